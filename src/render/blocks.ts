// Markdown building blocks and the repairs that keep a cut document valid: every <details>
// closed, every code fence closed, no comment left open to swallow what follows.

/** A collapsed section. The blank lines let GitHub render Markdown inside the HTML block. */
export function details(summary: string, body: string): string {
  return `<details>\n<summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

/**
 * Trusted text built by vision-gate (finding messages, number cells) made safe for one line of
 * Markdown: no raw HTML, and `$` escaped because GitHub renders `$…$` as math ("$0.01 → $0.02").
 * Dollar signs already escaped by inertText keep their single backslash.
 */
export function mdTrusted(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '&lt;')
    .replace(/(?<!\\)\$/g, '\\$');
}

interface Open {
  fence: { char: string; size: number } | null;
  details: number;
  comment: boolean;
}

function openConstructs(markdown: string): Open {
  let fence: Open['fence'] = null;
  let depth = 0;
  let comment = false;
  for (const line of markdown.split('\n')) {
    if (fence) {
      const close = /^ {0,3}(`+|~+)\s*$/.exec(line);
      if (close && close[1]![0] === fence.char && close[1]!.length >= fence.size) fence = null;
      continue;
    }
    if (comment) {
      if (line.includes('-->')) comment = false;
      continue;
    }
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (open) {
      fence = { char: open[1]![0]!, size: open[1]!.length };
      continue;
    }
    depth += (line.match(/<details\b/gi) ?? []).length - (line.match(/<\/details\s*>/gi) ?? []).length;
    if (line.lastIndexOf('<!--') > line.lastIndexOf('-->')) comment = true;
  }
  return { fence, details: Math.max(0, depth), comment };
}

/** Closes whatever a cut left open. */
export function balance(markdown: string): string {
  const open = openConstructs(markdown);
  let out = markdown;
  if (open.fence) out += `\n${open.fence.char.repeat(open.fence.size)}`;
  if (open.comment) out += ' -->';
  for (let i = 0; i < open.details; i += 1) out += '\n\n</details>';
  return out;
}

/** Whether a document closes every fence, <details> and comment it opens. */
export function isBalanced(markdown: string): boolean {
  const open = openConstructs(markdown);
  return open.fence === null && open.details === 0 && !open.comment;
}

/**
 * The longest prefix, cut at a line end, that is at most maxChars long once balanced. Only a
 * single line longer than the budget is cut mid-line (on a code point boundary).
 */
export function cutMarkdown(markdown: string, maxChars: number): string {
  if (markdown.length <= maxChars) return markdown;
  let budget = maxChars;
  while (budget > 0) {
    let cut = markdown.slice(0, budget);
    const end = cut.lastIndexOf('\n');
    if (end > 0) cut = cut.slice(0, end);
    else if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
    const result = balance(cut.trimEnd());
    if (result.length <= maxChars) return result;
    budget -= result.length - maxChars + 1;
  }
  return '';
}
