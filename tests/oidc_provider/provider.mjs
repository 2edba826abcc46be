// A real OpenID Connect provider (panva/oidc-provider, OpenID certified)
// standing in for NemLog-in in the tests. It speaks the protocol as
// NemLog-in does: authorisation code flow with PKCE (required), nonce,
// signed ID tokens from its JWKS, the eID claims NemLog-in sends, and
// RP-initiated logout. Its login page lets the test pick a person, like
// NemLog-in's test login. On top, for the refusal tests only, it can be
// told to spoil the next ID token it issues (wrong nonce, wrong audience,
// expired, unsigned, signed with a foreign key): a provider that goes
// wrong, so the client's checks are proven against real tokens.
//
// Configuration comes as JSON in OIDC_TEST_CONFIG: {clients, jwk, claims}.
// It prints "listening <issuer>" when ready.
import http from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
const accounts = new Map(); // sub -> claims
const requests = { authorization: [], token: [], endSession: [] };
let spoil = null;

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="da"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`
    + `<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

async function spoilToken(idToken, mode) {
  const claims = jose.decodeJwt(idToken);
  const header = jose.decodeProtectedHeader(idToken);
  const now = Math.floor(Date.now() / 1000);
  let key = await jose.importJWK(config.jwk, header.alg);
  if (mode === 'wrong_nonce') claims.nonce = 'a-nonce-this-client-never-sent';
  else if (mode === 'wrong_audience') claims.aud = 'another-service';
  else if (mode === 'expired') { claims.iat = now - 7200; claims.exp = now - 3600; }
  else if (mode === 'unsigned') {
    const part = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
    return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
  } else if (mode === 'foreign_key') {
    ({ privateKey: key } = await jose.generateKeyPair(header.alg));
  } else throw new Error(`unknown spoil mode ${mode}`);
  return new jose.SignJWT(claims).setProtectedHeader({ alg: header.alg, kid: header.kid, typ: header.typ }).sign(key);
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: config.clients,
    jwks: { keys: [config.jwk] },
    // POST to the end-session endpoint needs SameSite=None cookies, which
    // browsers take only with Secure, over HTTPS. Here everything is plain
    // HTTP on 127.0.0.1, one site, so the server below hands them out as Lax.
    cookies: { keys: ['test-only-cookie-key'], long: { sameSite: 'none' } },
    pkce: { required: () => true },
    claims: { openid: ['sub', ...config.claims] },
    conformIdTokenClaims: false, // NemLog-in puts the eID claims in the ID token
    enableHttpPostMethods: true, // RP-initiated logout by POST, as the specification allows
    acrValues: ['https://data.gov.dk/concept/core/nsis/Low', 'https://data.gov.dk/concept/core/nsis/Substantial',
      'https://data.gov.dk/concept/core/nsis/High'],
    findAccount: async (ctx, sub) => {
      if (!accounts.has(sub)) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...accounts.get(sub) }) };
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page('Log ud', `${form}<p>Vil du logge ud af NemLog-in?</p>`
            + '<button type="submit" form="op.logoutForm" name="logout" value="yes">Log ud</button>');
        },
        postLogoutSuccessSource: async (ctx) => { ctx.body = page('Du er logget ud', ''); },
      },
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Fejl', `<pre id="error">${escapeHtml(JSON.stringify(out))}</pre>`);
    },
  });

  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth') requests.authorization.push({ ...ctx.query });
    if (ctx.path === '/session/end') requests.endSession.push({ ...ctx.query });
    await next();
    if (ctx.path === '/token' && ctx.method === 'POST') {
      requests.token.push({ status: ctx.status, code_verifier: Boolean(ctx.oidc?.params?.code_verifier) });
      if (spoil && ctx.status === 200 && ctx.body?.id_token) {
        ctx.body = { ...ctx.body, id_token: await spoilToken(ctx.body.id_token, spoil) };
        spoil = null;
      }
    }
  });

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name, value) => setHeader(name, name.toLowerCase() === 'set-cookie'
      ? [].concat(value).map((cookie) => cookie.replace(/samesite=none/i, 'samesite=lax')) : value);
    try {
      const url = new URL(req.url, issuer);
      const json = (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      // The test's own controls.
      if (url.pathname === '/__test__/accounts' && req.method === 'POST') {
        for (const [sub, claims] of Object.entries(JSON.parse(await readBody(req)))) accounts.set(sub, claims);
        return json(200, { accounts: accounts.size });
      }
      if (url.pathname === '/__test__/spoil' && req.method === 'POST') {
        spoil = JSON.parse(await readBody(req)).mode || null;
        return json(200, { spoil });
      }
      if (url.pathname === '/__test__/requests') return json(200, requests);

      // The login page: pick the person to be, then approve.
      const match = url.pathname.match(/^\/interaction\/([^/]+)$/);
      if (match) {
        const details = await provider.interactionDetails(req, res);
        if (req.method === 'GET') {
          const options = [...accounts.entries()].map(([sub, claims]) => `<option value="${escapeHtml(sub)}">`
            + `${escapeHtml(claims['https://data.gov.dk/model/core/eid/fullName'] || sub)}</option>`).join('');
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(page('MitID (test)', `<form method="post" action="${url.pathname}">`
            + `<label for="person">Testperson</label><select id="person" name="sub">${options}</select>`
            + '<button type="submit">Godkend</button></form>'));
        }
        const sub = new URLSearchParams(await readBody(req)).get('sub');
        if (!accounts.has(sub)) throw new Error('unknown test person');
        // NemLog-in asks for no consent: grant what was asked for at once.
        const grant = new provider.Grant({ accountId: sub, clientId: details.params.client_id });
        grant.addOIDCScope(details.params.scope);
        const grantId = await grant.save();
        return await provider.interactionFinished(req, res, { login: { accountId: sub }, consent: { grantId } },
          { mergeWithLastSubmission: false });
      }
      return callback(req, res);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error && error.stack || error));
    }
  });
  console.log(`listening ${issuer}`);
});
