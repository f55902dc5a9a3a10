// Answers that say the model got no image. A route that drops the image still returns HTTP 200;
// the model then asks for the picture or says it cannot see one. These phrases are the gate's
// most direct signal, so they are checked before the expectation: "I cannot see the Python logo
// because no image was provided" names the right logo and still proves the image never arrived.
//
// The patterns run on folded text (lower case, straight apostrophes, no accents; see text.ts).
// Each one needs a negation or a request *about the image itself*, so descriptions such as "The
// image shows…", "no other image elements are visible" or "Upload icon" never match.
import { foldText, userPatternMatches, userRegExp } from './text.ts';

// Nouns for the thing that did not arrive; "image-based" or "image's" is about something else.
const NOUN = String.raw`(?:images?|pictures?|photos?|photographs?|screenshots?|attachments?|files?)\b(?!['\-])`;
// An optional determiner and participle between a verb and the noun: "the attached image".
const DET = String.raw`(?:(?:an?|the|any|your|this|that|such|another)\s+)?(?:(?:attached|uploaded|provided|shared|actual)\s+)?`;
// "I can't see the image clearly, but…" is a hedge before a real answer, not a missing image.
const NOT_A_HEDGE = String.raw`(?!\s+(?:clearly|well|properly|very|in\s+(?:full|great|much|high)?\s*detail))`;
const NEGATION = String.raw`(?:can'?t|cannot|can\s+not|couldn'?t|could\s+not|unable\s+to|not\s+able\s+to|don'?t|do\s+not|didn'?t|did\s+not|(?:'m|am|are)\s+not|not\s+capable\s+of|(?:don'?t|do\s+not)\s+have\s+(?:the\s+)?(?:ability|capability)\s+to|no\s+(?:ability|way)\s+to)`;
const PERCEIVE = String.raw`(?:see(?:ing)?|view(?:ing)?|access(?:ing)?|process(?:ing)?|open(?:ing)?|analy[sz](?:e|ing)|interpret(?:ing)?|read(?:ing)?|look(?:ing)?\s+at|perceiv(?:e|ing)|load(?:ing)?|receiv(?:e|ed|ing)|find(?:ing)?|detect(?:ing)?|notice|have\s+access\s+to|have)`;
const SUPPLY = String.raw`(?:upload(?:ed)?|re-?upload(?:ed)?|attach(?:ed)?|shared?|provided?|send|sent|resend|included?|add(?:ed)?|submit(?:ted)?)`;
const AUX_NOT = String.raw`(?:was\s+not|wasn'?t|were\s+not|weren'?t|has\s+not\s+been|hasn'?t\s+been|have\s+not\s+been|haven'?t\s+been|is\s+not|isn'?t|are\s+not|aren'?t|did\s+not|didn'?t|does\s+not|doesn'?t|failed\s+to|could\s+not\s+be|couldn'?t\s+be|cannot\s+be|can'?t\s+be)`;

const p = (source: string) => new RegExp(source, 'u');

export const BUILT_IN_NO_IMAGE_PATTERNS: readonly RegExp[] = [
  // "No image provided.", "no image was attached", "No images have been uploaded"
  p(String.raw`\bno\s+${NOUN}\s+(?:(?:was|were|is|are|has\s+been|have\s+been|seems?\s+to\s+(?:be|have\s+been)|appears?\s+to\s+(?:be|have\s+been))\s+)?(?:provided|attached|uploaded|included|shared|given|received|sent|found|detected|present)\b`),
  // "There is no image in your message", "there's no attachment" (but not "no image of…")
  p(String.raw`\bthere(?:\s+is|'s|\s+was|\s+are|\s+were|\s+seems\s+to\s+be|\s+appears\s+to\s+be)\s+no\s+${NOUN}(?!\s+of\b)`),
  // "I can't see any image", "I'm unable to view images", "I don't see an image attached",
  // "As a text-based AI, I cannot see images", "I'm not seeing an image", "can't view or analyze images"
  p(String.raw`\b${NEGATION}\s+(?:directly\s+)?${PERCEIVE}(?:,?\s+(?:or|and)\s+${PERCEIVE})?\s+${DET}${NOUN}${NOT_A_HEDGE}`),
  // "It seems you haven't uploaded an image", "You haven't attached a picture", "forgot to attach"
  p(String.raw`\b(?:haven'?t|have\s+not|hasn'?t|has\s+not|didn'?t|did\s+not|forgot\s+to|forget\s+to)\s+(?:yet\s+)?${SUPPLY}\s+${DET}${NOUN}`),
  // "The image didn't come through", "the image you sent isn't visible", "the picture failed to load"
  p(String.raw`\b${NOUN}\s+(?:(?:you|that\s+you)\s+${SUPPLY}\s+)?${AUX_NOT}\s+(?:successfully\s+|properly\s+)?(?:uploaded|attached|included|provided|received|shared|sent|loaded|load|come\s+through|came\s+through|displayed|display|found|accessible|available|visible|appear(?:ed)?|show\s+up|shown)\b`),
  // "Please upload an image", "Could you please share the image?", "can you provide the photo"
  p(String.raw`\b(?:please|could\s+you|can\s+you|would\s+you|kindly)(?:\s+please)?\s+${SUPPLY}\s+${DET}${NOUN}`),
  // "I'm a text-only model": a self-description that only a model without the image volunteers
  p(String.raw`\b(?:i\s+am|i'm)\s+(?:only\s+)?(?:a\s+|an\s+)?text-(?:only|based)\s+(?:ai|model|assistant|language\s+model)\b`),
];

export type NoImageMatcher = (answer: string) => boolean;

/**
 * The built-in phrases plus the config's `no_image_patterns` (case-insensitive regex sources,
 * validated by the config loader with userRegExp; an invalid one here is a programmer error).
 */
export function noImageMatcher(extraPatterns: readonly string[]): NoImageMatcher {
  const extra = extraPatterns.map(userRegExp);
  return (answer) => {
    const folded = foldText(answer);
    return BUILT_IN_NO_IMAGE_PATTERNS.some((re) => re.test(folded)) || extra.some((re) => userPatternMatches(re, answer));
  };
}
