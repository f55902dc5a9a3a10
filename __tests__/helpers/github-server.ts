// An in-memory GitHub on 127.0.0.1 that speaks the REST endpoints vision-gate uses: issues and
// their comments (paginated with Link headers), labels, file contents (with sha conflicts), and
// the token's identity. The publisher tests and the action's end-to-end tests both talk to it
// through real HTTP, so Octokit's URL building, pagination and error handling are exercised too.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeUser {
  login: string;
  type: 'User' | 'Bot';
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  state_reason: string | null;
  labels: string[];
  user: FakeUser;
  pullRequest: boolean;
  /** A pull request's head commit and branch. */
  headSha: string | null;
  headRef: string | null;
  created_at: string;
}

export interface FakeCommit {
  sha: string;
  branch: string;
  path: string;
  message: string;
  /** The blob sha the request said it replaces (null when creating the file). */
  previousSha: string | null;
  author: unknown;
  committer: unknown;
}

export interface LoggedRequest {
  method: string;
  /** The decoded path, without the query. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | null;
  accept: string | null;
  status: number;
}

/** A scripted failure: requests matching method and route answer with status instead. */
export interface Failure {
  method: string;
  route: RegExp;
  status: number;
  message?: string;
  /** How many matching requests fail (default: all). */
  times?: number;
}

/** Who a token is. A bot token (the default GITHUB_TOKEN) cannot read GET /user, as on GitHub. */
export interface TokenIdentity extends FakeUser {
  canReadUser: boolean;
}

export const ACTIONS_BOT: FakeUser = { login: 'github-actions[bot]', type: 'Bot' };
const GITHUB_TOKEN_IDENTITY: TokenIdentity = { ...ACTIONS_BOT, canReadUser: false };

export interface FakeGitHubOptions {
  repository?: string;
  defaultBranch?: string;
  /** Identities by token; any other token is the Actions bot. */
  tokens?: Record<string, TokenIdentity>;
}

export interface FakeGitHub {
  /** The API base URL (what GITHUB_API_URL holds). */
  url: string;
  repository: string;
  requests: LoggedRequest[];
  issues: Map<number, FakeIssue>;
  labels: Map<string, { name: string; color: string; description: string | null }>;
  commits: FakeCommit[];
  addIssue(issue: Partial<Omit<FakeIssue, 'number' | 'created_at'>>): FakeIssue;
  addPullRequest(fields?: Partial<Omit<FakeIssue, 'number' | 'created_at' | 'pullRequest'>>): FakeIssue;
  addComment(issue: number, body: string, user?: FakeUser): FakeComment;
  comments(issue: number): FakeComment[];
  /** Sets a file's content at a ref (a branch name or a commit sha); also creates the branch. */
  setFile(ref: string, path: string, content: string): void;
  getFile(ref: string, path: string): string | null;
  fail(failure: Failure): void;
  /** Runs `action` before the next `times` matching requests are handled (to stage a race). */
  before(method: string, route: RegExp, action: () => void, times?: number): void;
  /** Requests matching a method and a route (a regex on the decoded path). */
  calls(method: string, route: RegExp): LoggedRequest[];
  close(): Promise<void>;
}

/** The git blob sha of some content, as GitHub reports it for a file. */
export const blobSha = (content: Buffer): string =>
  createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');

const MAX_BODY = 65_536;
const STATUS_MESSAGE: Record<number, string> = {
  401: 'Bad credentials',
  403: 'Resource not accessible by integration',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Validation Failed',
  500: 'Server Error',
  502: 'Bad Gateway',
};

class HttpError extends Error {
  readonly status: number;
  readonly extra: Record<string, unknown>;
  constructor(status: number, message?: string, extra: Record<string, unknown> = {}) {
    super(message ?? STATUS_MESSAGE[status] ?? 'Error');
    this.status = status;
    this.extra = extra;
  }
}

const tooLong = (resource: string) =>
  new HttpError(422, 'Validation Failed', {
    errors: [{ resource, code: 'unprocessable', field: 'data', message: 'Body is too long (maximum is 65536 characters)' }],
  });

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Problems parsing JSON');
  }
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const repository = options.repository ?? 'acme/widgets';
  const defaultBranch = options.defaultBranch ?? 'main';
  const tokens = options.tokens ?? {};
  const issues = new Map<number, FakeIssue>();
  const comments = new Map<number, FakeComment>();
  const labels = new Map<string, { name: string; color: string; description: string | null }>();
  const files = new Map<string, Map<string, Buffer>>();
  const commits: FakeCommit[] = [];
  const requests: LoggedRequest[] = [];
  const failures: (Failure & { left: number })[] = [];
  const hooks: { method: string; route: RegExp; action: () => void; left: number }[] = [];
  let nextIssue = 1;
  let nextComment = 1000;
  let tick = 0;
  // A logical clock: every creation is one second after the previous one, so order is stable.
  const now = () => new Date(Date.UTC(2025, 0, 1) + (tick += 1) * 1000).toISOString();

  let base = '';
  const web = `https://github.com/${repository}`;
  const issueUrl = (issue: FakeIssue) => `${web}/${issue.pullRequest ? 'pull' : 'issues'}/${issue.number}`;
  const commentJson = (c: FakeComment) => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    body: c.body,
    user: { login: c.user.login, type: c.user.type },
    created_at: c.created_at,
    updated_at: c.updated_at,
    html_url: `${issueUrl(issues.get(c.issue)!)}#issuecomment-${c.id}`,
    url: `${base}/repos/${repository}/issues/comments/${c.id}`,
  });
  const issueJson = (i: FakeIssue) => ({
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    state_reason: i.state_reason,
    labels: i.labels.map((name) => ({ name })),
    user: { login: i.user.login, type: i.user.type },
    created_at: i.created_at,
    html_url: issueUrl(i),
    ...(i.pullRequest ? { pull_request: { url: `${base}/repos/${repository}/pulls/${i.number}` } } : {}),
  });

  function identity(req: IncomingMessage): TokenIdentity {
    const header = req.headers.authorization ?? '';
    const match = /^(?:token|bearer) (.+)$/i.exec(header);
    if (!match) throw new HttpError(401, 'Requires authentication');
    return tokens[match[1]!] ?? GITHUB_TOKEN_IDENTITY;
  }

  /** One page of a list, with the Link header GitHub sends. */
  function page<T>(res: ServerResponse, url: URL, items: T[]): T[] {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const pageNo = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string) => {
      const next = new URL(url.href);
      next.searchParams.set('per_page', String(perPage));
      next.searchParams.set('page', String(n));
      return `<${base}${next.pathname}${next.search}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (pageNo < last) links.push(link(pageNo + 1, 'next'), link(last, 'last'));
    if (pageNo > 1) links.push(link(1, 'first'), link(pageNo - 1, 'prev'));
    if (links.length > 0) res.setHeader('link', links.join(', '));
    return items.slice((pageNo - 1) * perPage, pageNo * perPage);
  }

  function issueOr404(n: string | number): FakeIssue {
    const issue = issues.get(Number(n));
    if (!issue) throw new HttpError(404);
    return issue;
  }

  function fileMap(ref: string, create = false): Map<string, Buffer> | undefined {
    let map = files.get(ref);
    if (!map && create) files.set(ref, (map = new Map()));
    return map;
  }

  function bodyField(body: unknown, field: string): unknown {
    return body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
  }

  function requireString(body: unknown, field: string): string {
    const value = bodyField(body, field);
    if (typeof value !== 'string') throw new HttpError(422, `Invalid request.\n\n"${field}" wasn't supplied.`);
    return value;
  }

  function route(req: IncomingMessage, res: ServerResponse, url: URL, path: string, body: unknown): [number, unknown] {
    const method = req.method ?? 'GET';
    const who = identity(req);
    if (method === 'GET' && path === '/user') {
      if (!who.canReadUser) throw new HttpError(403);
      return [200, { login: who.login, type: who.type, id: 1 }];
    }
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!repoMatch || `${repoMatch[1]}/${repoMatch[2]}` !== repository) throw new HttpError(404);
    const rest = repoMatch[3] ?? '';
    let m: RegExpExecArray | null;

    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = issueOr404(m[1]!);
      if (method === 'GET') {
        const list = [...comments.values()].filter((c) => c.issue === issue.number).sort((a, b) => a.id - b.id);
        return [200, page(res, url, list).map(commentJson)];
      }
      if (method === 'POST') {
        const text = requireString(body, 'body');
        if (text.length > MAX_BODY) throw tooLong('IssueComment');
        return [201, commentJson(addComment(issue.number, text, who))];
      }
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const comment = comments.get(Number(m[1]));
      if (!comment) throw new HttpError(404);
      if (method === 'GET') return [200, commentJson(comment)];
      if (method === 'PATCH') {
        const text = requireString(body, 'body');
        if (text.length > MAX_BODY) throw tooLong('IssueComment');
        comment.body = text;
        comment.updated_at = now();
        return [200, commentJson(comment)];
      }
      if (method === 'DELETE') {
        comments.delete(comment.id);
        return [204, null];
      }
    }
    if (rest === '/issues') {
      if (method === 'GET') {
        const state = url.searchParams.get('state') ?? 'open';
        const wanted = (url.searchParams.get('labels') ?? '').split(',').filter(Boolean);
        const list = [...issues.values()]
          .filter((i) => state === 'all' || i.state === state)
          .filter((i) => wanted.every((label) => i.labels.includes(label)))
          .sort((a, b) => b.number - a.number); // GitHub's default: newest first
        return [200, page(res, url, list).map(issueJson)];
      }
      if (method === 'POST') {
        const title = requireString(body, 'title');
        const text = (bodyField(body, 'body') as string | undefined) ?? '';
        if (text.length > MAX_BODY) throw tooLong('Issue');
        const names = (bodyField(body, 'labels') as string[] | undefined) ?? [];
        // GitHub creates unknown labels on the fly for writers.
        for (const name of names) if (!labels.has(name)) labels.set(name, { name, color: 'ededed', description: null });
        return [201, issueJson(addIssue({ title, body: text, labels: names, user: who }))];
      }
    }
    if ((m = /^\/issues\/(\d+)$/.exec(rest))) {
      const issue = issueOr404(m[1]!);
      if (method === 'GET') return [200, issueJson(issue)];
      if (method === 'PATCH') {
        const text = bodyField(body, 'body');
        if (typeof text === 'string') {
          if (text.length > MAX_BODY) throw tooLong('Issue');
          issue.body = text;
        }
        const title = bodyField(body, 'title');
        if (typeof title === 'string') issue.title = title;
        const state = bodyField(body, 'state');
        if (state === 'open' || state === 'closed') {
          issue.state = state;
          issue.state_reason = state === 'closed' ? ((bodyField(body, 'state_reason') as string | undefined) ?? 'completed') : 'reopened';
        }
        return [200, issueJson(issue)];
      }
    }
    if ((m = /^\/commits\/([0-9a-f]+)\/pulls$/.exec(rest)) && method === 'GET') {
      const sha = m[1]!;
      const list = [...issues.values()].filter((i) => i.pullRequest && i.headSha === sha);
      return [
        200,
        page(res, url, list).map((i) => ({ number: i.number, state: i.state, html_url: issueUrl(i), head: { sha: i.headSha, ref: i.headRef } })),
      ];
    }
    if ((m = /^\/labels\/(.+)$/.exec(rest)) && method === 'GET') {
      const label = labels.get(m[1]!);
      if (!label) throw new HttpError(404);
      return [200, label];
    }
    if (rest === '/labels' && method === 'POST') {
      const name = requireString(body, 'name');
      if (labels.has(name)) throw new HttpError(422, 'Validation Failed', { errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }] });
      const label = { name, color: String(bodyField(body, 'color') ?? 'ededed'), description: (bodyField(body, 'description') as string) ?? null };
      labels.set(name, label);
      return [201, label];
    }
    if ((m = /^\/contents\/(.+)$/.exec(rest))) {
      const filePath = m[1]!;
      if (method === 'GET') {
        const ref = url.searchParams.get('ref') ?? defaultBranch;
        const content = fileMap(ref)?.get(filePath);
        if (!content) throw new HttpError(404);
        if ((req.headers.accept ?? '').includes('.raw')) {
          res.setHeader('content-type', 'application/vnd.github.raw; charset=utf-8');
          return [200, content.toString('utf8')];
        }
        // GitHub wraps base64 content at 60 characters.
        const encoded = content.toString('base64').replace(/.{60}/g, '$&\n');
        return [200, { type: 'file', encoding: 'base64', path: filePath, name: filePath.split('/').pop(), size: content.length, sha: blobSha(content), content: encoded }];
      }
      if (method === 'PUT') {
        const branch = (bodyField(body, 'branch') as string | undefined) ?? defaultBranch;
        const map = fileMap(branch);
        if (!map) throw new HttpError(404, `Branch ${branch} not found`);
        const message = requireString(body, 'message');
        const content = Buffer.from(requireString(body, 'content'), 'base64');
        const sha = (bodyField(body, 'sha') as string | undefined) ?? null;
        const existing = map.get(filePath);
        if (existing && sha === null) throw new HttpError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
        if (existing && sha !== blobSha(existing)) throw new HttpError(409, `${filePath} does not match ${sha}`);
        map.set(filePath, content);
        const commitSha = createHash('sha1').update(`commit ${commits.length} ${branch} ${filePath}`).digest('hex');
        const author = bodyField(body, 'author') ?? null;
        const committer = bodyField(body, 'committer') ?? null;
        commits.push({ sha: commitSha, branch, path: filePath, message, previousSha: sha, author, committer });
        return [
          existing ? 200 : 201,
          {
            content: { path: filePath, sha: blobSha(content), html_url: `${web}/blob/${branch}/${filePath}` },
            commit: {
              sha: commitSha,
              message,
              html_url: `${web}/commit/${commitSha}`,
              // GitHub signs API commits made without a custom author or committer.
              verification: { verified: author === null && committer === null, reason: author === null && committer === null ? 'valid' : 'unsigned' },
            },
          },
        ];
      }
    }
    throw new HttpError(404);
  }

  function addIssue(fields: Partial<Omit<FakeIssue, 'number' | 'created_at'>>): FakeIssue {
    const issue: FakeIssue = {
      number: nextIssue++,
      title: fields.title ?? 'An issue',
      body: fields.body ?? '',
      state: fields.state ?? 'open',
      state_reason: fields.state_reason ?? null,
      labels: fields.labels ?? [],
      user: fields.user ?? { login: 'octocat', type: 'User' },
      pullRequest: fields.pullRequest ?? false,
      headSha: fields.headSha ?? null,
      headRef: fields.headRef ?? null,
      created_at: now(),
    };
    issues.set(issue.number, issue);
    return issue;
  }

  function addComment(issue: number, body: string, user: FakeUser = ACTIONS_BOT): FakeComment {
    if (!issues.has(issue)) throw new Error(`fake GitHub: no issue or pull request #${issue}`);
    const at = now();
    const comment: FakeComment = { id: nextComment++, issue, body, user: { login: user.login, type: user.type }, created_at: at, updated_at: at };
    comments.set(comment.id, comment);
    return comment;
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Octokit encodes the slashes of a contents path; GitHub accepts both forms.
    const decodedPath = decodeURIComponent(url.pathname);
    const method = req.method ?? 'GET';
    const entry: LoggedRequest = {
      method,
      path: decodedPath,
      query: Object.fromEntries(url.searchParams),
      body: null,
      authorization: req.headers.authorization ?? null,
      accept: req.headers.accept ?? null,
      status: 0,
    };
    requests.push(entry);
    const send = (status: number, payload: unknown) => {
      entry.status = status;
      if (status === 204) {
        res.writeHead(204).end();
        return;
      }
      if (typeof payload === 'string' && res.hasHeader('content-type')) {
        res.writeHead(status).end(payload);
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(payload));
    };
    void (async () => {
      try {
        entry.body = await readBody(req);
        for (const hook of hooks) {
          if (hook.left > 0 && hook.method === method && hook.route.test(decodedPath)) {
            hook.left -= 1;
            hook.action();
          }
        }
        const failure = failures.find((f) => f.left > 0 && f.method === method && f.route.test(decodedPath));
        if (failure) {
          failure.left -= 1;
          throw new HttpError(failure.status, failure.message);
        }
        const [status, payload] = route(req, res, url, decodedPath, entry.body);
        send(status, payload);
      } catch (error) {
        if (error instanceof HttpError) {
          send(error.status, { message: error.message, documentation_url: 'https://docs.github.com/rest', ...error.extra });
        } else {
          send(500, { message: `fake GitHub bug: ${String(error)}` });
        }
      }
    })();
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fileMap(defaultBranch, true);

  return {
    url: base,
    repository,
    requests,
    issues,
    labels,
    commits,
    addIssue,
    addPullRequest: (fields = {}) => addIssue({ title: 'A change', ...fields, pullRequest: true }),
    addComment,
    comments: (issue) => [...comments.values()].filter((c) => c.issue === issue).sort((a, b) => a.id - b.id),
    setFile(ref, path, content) {
      fileMap(ref, true)!.set(path, Buffer.from(content, 'utf8'));
    },
    getFile: (ref, path) => fileMap(ref)?.get(path)?.toString('utf8') ?? null,
    fail(failure) {
      failures.push({ ...failure, left: failure.times ?? Number.POSITIVE_INFINITY });
    },
    before(method, route, action, times = 1) {
      hooks.push({ method, route, action, left: times });
    },
    calls: (method, route) => requests.filter((r) => r.method === method && route.test(r.path)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
