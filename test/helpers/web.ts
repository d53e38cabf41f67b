// A signed-in person on the desk over real HTTP, as a browser would be: a
// cookie jar, the form token read from the page, the Host header the server
// expects. For the integration tests that do not need a browser.

/** What came back: status, headers and the text of the body. */
export interface Page {
  status: number;
  headers: Headers;
  body: string;
}

export class WebSession {
  readonly cookies = new Map<string, string>();
  /** the _csrf value of the last page that had a form */
  csrf = '';

  constructor(readonly base: string) {}

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired =
        attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) ||
        attrs.some((a) => /^\s*max-age=0/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return { ...(cookie ? { cookie } : {}), ...extra };
  }

  /** GET, reading the page's form token; redirects are not followed (see the status). */
  async get(path: string, extra: Record<string, string> = {}): Promise<Page> {
    const res = await fetch(this.base + path, { headers: this.headers(extra), redirect: 'manual' });
    this.keep(res);
    const body = await res.text();
    const token = /name="_csrf" value="([^"]*)"/.exec(body)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, headers: res.headers, body };
  }

  /** POST a url-encoded form with this session's token (unless the form gives its own _csrf). */
  async post(
    path: string,
    form: Record<string, string> = {},
    extra: Record<string, string> = {},
  ): Promise<Page> {
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded', ...extra }),
      body: new URLSearchParams({ _csrf: this.csrf, ...form }).toString(),
      redirect: 'manual',
    });
    this.keep(res);
    const body = await res.text();
    return { status: res.status, headers: res.headers, body };
  }

  /** POST multipart (files), with this session's token. */
  async upload(path: string, data: FormData): Promise<Page> {
    if (!data.has('_csrf')) data.set('_csrf', this.csrf);
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: this.headers(),
      body: data,
      redirect: 'manual',
    });
    this.keep(res);
    const body = await res.text();
    return { status: res.status, headers: res.headers, body };
  }

  /** Signs in through the form; throws with the page's text when it does not work. */
  async signIn(name: string, password: string): Promise<this> {
    await this.get('/signin');
    const res = await this.post('/signin', { name, password });
    if (res.status !== 303)
      throw new Error(`sign-in of ${name} failed: ${res.status} ${res.body.slice(0, 400)}`);
    await this.get('/');
    return this;
  }
}
