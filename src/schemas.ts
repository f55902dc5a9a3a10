// The JSON Schemas that ship in schema/, generated from the zod schemas so they can never disagree
// with what the loader and the report writer accept. `npm run schema` writes them; a test checks
// that the committed files are fresh.
import { z } from 'zod';
import { ConfigSchema } from './config/schema.ts';
import { ReportSchema } from './report/schema.ts';

type JsonSchema = z.core.JSONSchema.BaseSchema;
type Override = NonNullable<z.core.ToJSONSchemaParams['override']>;

const SCHEMA_BASE = 'https://raw.githubusercontent.com/vision-gate/vision-gate/main/schema/';
export const CONFIG_SCHEMA_FILE = 'vision-gate.schema.json';
export const REPORT_SCHEMA_FILE = 'report.schema.json';

// z.int() spells its implicit safe-integer range out; that is noise in an editor's hover.
const dropSafeIntegerBounds: Override = ({ jsonSchema }) => {
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
};

let configSchema: JsonSchema | undefined;

/**
 * The config's JSON Schema as an object. Input view: keys with defaults are optional, which is
 * what a user writes. The loader reads it too, to describe expected values and allowed keys.
 */
export function configJsonSchema(): JsonSchema {
  configSchema ??= {
    $id: SCHEMA_BASE + CONFIG_SCHEMA_FILE,
    ...z.toJSONSchema(ConfigSchema, { io: 'input', override: dropSafeIntegerBounds }),
    title: 'vision-gate config',
  };
  return configSchema;
}

/** The report's JSON Schema as an object (output view: what vision-gate writes). */
export function reportJsonSchema(): JsonSchema {
  return {
    $id: SCHEMA_BASE + REPORT_SCHEMA_FILE,
    ...z.toJSONSchema(ReportSchema, {
      io: 'output',
      override: (ctx) => {
        dropSafeIntegerBounds(ctx);
        // The contract lets the report gain fields; a consumer validating with this schema must
        // keep working when it does.
        if (ctx.jsonSchema.additionalProperties === false) delete ctx.jsonSchema.additionalProperties;
      },
    }),
    title: 'vision-gate report',
  };
}

const text = (schema: JsonSchema): string => JSON.stringify(schema, null, 2) + '\n';

/** File name → file text, deterministic, each with a trailing newline. */
export function jsonSchemas(): Record<string, string> {
  return {
    [CONFIG_SCHEMA_FILE]: text(configJsonSchema()),
    [REPORT_SCHEMA_FILE]: text(reportJsonSchema()),
  };
}
