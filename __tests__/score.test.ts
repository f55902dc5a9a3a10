// Scoring one answer: whole-word expectations that survive case, width and accents; the no-image
// phrases real routes produce (and descriptions that must not be mistaken for them); and the
// verdict for every kind of response and failure.
import { describe, expect, it } from 'vitest';
import { Expectation, type ConfigInput } from '../src/config/schema.ts';
import type { Usage } from '../src/report/schema.ts';
import { matchesExpectation } from '../src/score/expect.ts';
import { BUILT_IN_NO_IMAGE_PATTERNS, noImageMatcher } from '../src/score/no-image.ts';
import type { CallOutcome } from '../src/score/outcome.ts';
import { foldText, userRegExp, wholeWordPattern } from '../src/score/text.ts';
import { verdictOf } from '../src/score/verdict.ts';

type ExpectInput = NonNullable<ConfigInput['cases'][number]['expect']>;
const expectation = (input: ExpectInput) => Expectation.parse(input);
const python = expectation({ any: ['python'], none: ['java'] });

describe('expectations match whole words, whatever the case, width or accents', () => {
  it.each([
    ['Python', true],
    ["Python's logo with two snakes", true],
    ['the python-logo', true],
    ['PYTHON', true],
    ['ＰＹＴＨＯＮ (full-width)', true],
    ['Pýthon with an accent', true],
    ['a Python\u0301 with a combining accent', true],
    ['python_logo.png', true],
    ['Pythonic code', false],
    ['CPython', false],
    ['python3', false],
    ['a snake', false],
  ])('any: [python] vs %j → %s', (answer, expected) => {
    expect(matchesExpectation(answer, expectation({ any: ['python'] }))).toBe(expected);
  });

  it('does not find "github" inside "githubusercontent"', () => {
    const github = expectation({ any: ['github'] });
    expect(matchesExpectation('raw.githubusercontent.com', github)).toBe(false);
    expect(matchesExpectation("GitHub's Octocat", github)).toBe(true);
  });

  it('matches a phrase with any whitespace between its words, and only as whole words', () => {
    const phrase = expectation({ any: ['hello kitty'] });
    expect(matchesExpectation('Hello   Kitty', phrase)).toBe(true);
    expect(matchesExpectation('hello\nkitty', phrase)).toBe(true);
    expect(matchesExpectation('hello\u00A0kitty', phrase)).toBe(true);
    expect(matchesExpectation('hellokitty', phrase)).toBe(false);
    expect(matchesExpectation('hello kittycat', phrase)).toBe(false);
  });

  it('folds accents and case in the term as well as the answer', () => {
    expect(matchesExpectation('Nestle chocolate', expectation({ any: ['Nestlé'] }))).toBe(true);
    expect(matchesExpectation('CAFÉ', expectation({ any: ['cafe'] }))).toBe(true);
    expect(matchesExpectation('STRASSE', expectation({ any: ['straße'] }))).toBe(true);
    expect(matchesExpectation('ΟΔΟΣ', expectation({ any: ['οδος'] }))).toBe(true);
  });

  it('escapes regex characters in terms', () => {
    expect(matchesExpectation('written in C++ and C#', expectation({ all: ['c++', 'c#'] }))).toBe(true);
    expect(matchesExpectation('written in c', expectation({ any: ['c++'] }))).toBe(false);
    expect(matchesExpectation('the .NET logo', expectation({ any: ['.net'] }))).toBe(true);
    expect(matchesExpectation('a (b) c', expectation({ any: ['(b)'] }))).toBe(true);
    expect(matchesExpectation('anything', expectation({ any: ['.*'] }))).toBe(false);
  });

  it('handles curly apostrophes and unusual dashes in answers', () => {
    expect(matchesExpectation('McDonald’s golden arches', expectation({ any: ["mcdonald's"] }))).toBe(true);
    expect(matchesExpectation('a python‑logo', expectation({ any: ['python-logo'] }))).toBe(true);
  });

  it('requires every `all` term, at least one `any` term, and no `none` term', () => {
    const e = expectation({ any: ['octocat', 'github'], all: ['logo', 'cat'], none: ['gitlab', 'fox'] });
    expect(matchesExpectation('The GitHub logo: a cat silhouette', e)).toBe(true);
    expect(matchesExpectation('The GitHub logo', e)).toBe(false); // "cat" missing
    expect(matchesExpectation('A logo of a cat', e)).toBe(false); // no `any` term
    expect(matchesExpectation('GitHub logo, a cat, not the GitLab fox', e)).toBe(false);
    expect(matchesExpectation('The GitHub logo: a catfox', e)).toBe(false); // "catfox" is neither
  });

  it('with only `none`, passes any answer free of the terms', () => {
    const e = expectation({ none: ['java'] });
    expect(matchesExpectation('Python', e)).toBe(true);
    expect(matchesExpectation('Java', e)).toBe(false);
    expect(matchesExpectation('JavaScript', e)).toBe(true);
  });

  it('applies `regex` case-insensitively with unicode, to the answer as written or folded', () => {
    expect(matchesExpectation('The GitHub logo', expectation({ regex: String.raw`git\s*hub` }))).toBe(true);
    expect(matchesExpectation('GITHUB', expectation({ regex: '^github$' }))).toBe(true);
    expect(matchesExpectation('Café', expectation({ regex: 'café' }))).toBe(true);
    expect(matchesExpectation('Café', expectation({ regex: 'cafe' }))).toBe(true);
    expect(matchesExpectation('🐍 snake', expectation({ regex: '^\\p{Extended_Pictographic}' }))).toBe(true);
    expect(matchesExpectation('GitLab', expectation({ regex: 'github' }))).toBe(false);
    expect(matchesExpectation('Python', expectation({ any: ['python'], regex: 'snake' }))).toBe(false);
  });

  it('compiles user patterns with the flags the config loader validates with', () => {
    expect(userRegExp('abc').flags).toBe('iu');
    expect(() => userRegExp('(')).toThrow(SyntaxError);
  });

  it('folds text once for both matchers', () => {
    expect(foldText('ＰＹＴＨＯＮ’s Pýthon ß')).toBe("python's python ss");
    expect(wholeWordPattern('   ')).toBeNull();
  });
});

describe('no-image replies', () => {
  const builtIn = noImageMatcher([]);

  it.each([
    'Please upload an image',
    'Please upload an image for analysis. No image provided.',
    "I can't see any image",
    'I cannot see an image',
    'No image was provided',
    "I'm unable to view images",
    "I don't see an image attached",
    "It seems you haven't uploaded an image",
    'There is no image in your message',
    "I can't view images",
    'As a text-based AI, I cannot see images',
    'Could you please share the image?',
    "You haven't attached a picture",
    'I’m unable to view images.',
    'I can’t see any image.',
    'You haven’t attached a picture.',
    'I cannot see the Python logo because no image was provided.',
    'Please upload an image so I can analyse it. No image was provided.',
    "It looks like the image didn't come through. Could you try again?",
    'The image failed to load.',
    "I'm sorry, but I don't have the ability to see images.",
    "I can't view or analyze images directly.",
    "I'm not seeing an image in your message.",
    'It seems you forgot to attach the image.',
    "I'm a text-only model and can't help with pictures.",
    'No images have been uploaded yet.',
    "I don't have access to the image you mentioned.",
    'Can you provide the photo?',
    'PLEASE UPLOAD AN IMAGE',
    'I cant see any image',
    "The image you sent isn't visible to me.",
    "Sorry, I can't view attachments.",
    'Could you re-upload the image?',
  ])('recognises %j', (answer) => {
    expect(builtIn(answer)).toBe(true);
  });

  it.each([
    'The image shows the Python logo',
    'This is the GitHub logo; no other image elements are visible',
    'An image of a snake',
    'Upload icon',
    'A logo of the Canadian Broadcasting Corporation (CBC)',
    'The image shows the Python logo.',
    'The image shows an abstract shape I do not recognise.',
    "I can't see the image clearly, but it appears to be the Python logo.",
    'I cannot identify people in images, but the logo is Python.',
    "I can't see any text in the image; the logo is GitHub's Octocat.",
    'There is no text in the image, just the Python logo.',
    "Please note the image shows GitHub's logo.",
    'A cloud with an upload arrow icon',
    'The picture shows two snakes forming the Python logo.',
    'Python programming language official logo with two snakes.',
    "GitHub's black cat silhouette logo inside a circle.",
    'No image-based text; the logo is Python.',
    "There are no images of people; it's the GitHub logo.",
    'The photo shows no people, only a logo.',
    'This image contains no text.',
    "I could not identify the logo with certainty, but it resembles Python's.",
  ])('does not mistake %j for one', (answer) => {
    expect(builtIn(answer)).toBe(false);
  });

  it('keeps its built-in patterns as plain unicode regexes (no state between calls)', () => {
    for (const re of BUILT_IN_NO_IMAGE_PATTERNS) expect(re.global || re.sticky).toBe(false);
    expect(builtIn('Please upload an image')).toBe(true);
    expect(builtIn('Please upload an image')).toBe(true);
  });

  it('adds the config’s no_image_patterns, case-insensitively', () => {
    const matcher = noImageMatcher(['bitte\\s+laden\\s+sie\\s+ein\\s+bild', '画像が(?:ありません|見つかりません)', 'keine?s? bild']);
    expect(matcher('Bitte laden Sie ein Bild hoch.')).toBe(true);
    expect(matcher('BITTE LADEN SIE EIN BILD HOCH')).toBe(true);
    expect(matcher('画像がありません。')).toBe(true);
    expect(matcher('Kein Bild erhalten')).toBe(true);
    expect(matcher('Das Python-Logo')).toBe(false);
    // The built-ins still apply.
    expect(matcher('No image provided.')).toBe(true);
  });

  it('lets an extra pattern written with accents or without them match either spelling', () => {
    const matcher = noImageMatcher(['aucune image (?:fournie|reçue)']);
    expect(matcher('Aucune image reçue.')).toBe(true);
    expect(matcher('AUCUNE IMAGE RECUE')).toBe(false); // the pattern itself asks for "ç"
    expect(noImageMatcher(['aucune image recue'])('Aucune image reçue.')).toBe(true);
  });
});

describe('verdicts', () => {
  const noImage = noImageMatcher([]);
  const usage: Usage = { prompt_tokens: 159, completion_tokens: 11, cached_tokens: null, image_tokens: null };
  const response = (text: string | null, extra: Partial<Extract<CallOutcome, { kind: 'response' }>> = {}): CallOutcome => ({
    kind: 'response',
    text,
    finish_reason: 'stop',
    refusal: null,
    usage,
    ...extra,
  });
  const failure = (error: Extract<CallOutcome, { kind: 'failure' }>['error'], status: number | null = null): CallOutcome => ({
    kind: 'failure',
    error,
    status,
    message: 'boom',
  });
  const verdict = (outcome: CallOutcome, e = python) => verdictOf(outcome, e, noImage);

  it('passes an answer that names the expected object', () => {
    expect(verdict(response('Python programming language official logo with two snakes.'))).toBe('pass');
  });

  it('calls a confident answer about something else wrong', () => {
    expect(verdict(response('A logo of the Canadian Broadcasting Corporation (CBC).'), expectation({ any: ['github', 'octocat'] }))).toBe(
      'wrong',
    );
    expect(verdict(response('The Java logo and the Python logo'))).toBe('wrong'); // `none` hit
  });

  it('flags a no-image claim even when it names the expected object', () => {
    expect(verdict(response('I cannot see the Python logo because no image was provided.'))).toBe('no_image');
    expect(verdict(response('Please upload an image for analysis. No image provided.'))).toBe('no_image');
  });

  it('calls null, empty and blank content empty', () => {
    expect(verdict(response(null))).toBe('empty');
    expect(verdict(response(''))).toBe('empty');
    expect(verdict(response(' \n\t'))).toBe('empty');
    expect(verdict(response(null, { finish_reason: 'content_filter' }))).toBe('empty');
  });

  it('calls a refusal without content empty, unless the refusal says no image was given', () => {
    expect(verdict(response(null, { refusal: "I'm sorry, I can't help with that." }))).toBe('empty');
    expect(verdict(response('', { refusal: "I can't see any image in your message." }))).toBe('no_image');
  });

  it('calls a cut-off answer truncated, unless the expected word already arrived', () => {
    expect(verdict(response('The logo in this image consists of two interlocking', { finish_reason: 'length' }))).toBe('truncated');
    expect(verdict(response('The Python logo: two interlocking', { finish_reason: 'length' }))).toBe('pass');
    // A cut-off no-image claim is still a no-image claim.
    expect(verdict(response('Please upload an image so that I', { finish_reason: 'length' }))).toBe('no_image');
  });

  it('maps transport failures to timeout, error and not_run', () => {
    expect(verdict(failure('timeout'))).toBe('timeout');
    expect(verdict(failure('http', 500))).toBe('error');
    expect(verdict(failure('http', 429))).toBe('error');
    expect(verdict(failure('connection'))).toBe('error');
    expect(verdict(failure('invalid_response', 200))).toBe('error');
    expect(verdict(failure('aborted'))).toBe('not_run');
  });

  it('uses the config’s extra no-image patterns', () => {
    const e = expectation({ any: ['python'] });
    expect(verdictOf(response('Bitte laden Sie ein Bild hoch.'), e, noImageMatcher(['bitte laden sie ein bild']))).toBe('no_image');
    expect(verdictOf(response('Bitte laden Sie ein Bild hoch.'), e, noImage)).toBe('wrong');
  });
});
