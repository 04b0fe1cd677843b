// The organisation's identity provider in the browser tests: oidc-provider (OpenID certified), configured
// by the environment the test fixture sets, printing "oidc-provider listening on <issuer>" when ready.
//   OIDC_PORT              port on 127.0.0.1
//   OIDC_CLIENT            JSON: {client_id, client_secret, redirect_uris, post_logout_redirect_uris}
//   OIDC_ACCOUNTS          JSON: {id: {name, email}} (the demo people, by directory id)
//   OIDC_RESOURCE          the Paars audience: access tokens for it are RS256 JWTs
//   OIDC_SIGNING_KEY       the private RSA JWK (JSON) tokens are signed with; its public half is on /jwks
//   OIDC_ACCESS_TOKEN_TTL  seconds an access token lives (default 600)
// Optional, for the identity tests (tests/identity):
//   OIDC_SIGNING_KEYS      JSON list of private RSA JWKs instead of OIDC_SIGNING_KEY: the first signs, all are
//                          on /jwks (a rotation restarts the provider with [new, old], then [new])
//   OIDC_EXTRA_CLIENTS     JSON list of further client metadata: the CLI (device flow, refresh tokens, no
//                          secret) and internal systems (client_credentials with their scopes)
//   OIDC_RESOURCE_SCOPES   space-separated scopes of the Paars resource beyond "paars" (the RPC scopes)
//   OIDC_OTHER_RESOURCE    a second audience tokens can be asked for (a token the services must refuse)
//   OIDC_CLIENT_TOKEN_TTL  JSON {client_id: seconds}: access tokens of these clients live that long
// The login and consent pages are the package's development interactions: a real form the browser fills in.
import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const port = Number(env('OIDC_PORT'));
const issuer = `http://127.0.0.1:${port}`;
const client = JSON.parse(env('OIDC_CLIENT'));
const accounts = JSON.parse(env('OIDC_ACCOUNTS'));
const resource = env('OIDC_RESOURCE');
const signingKeys = process.env.OIDC_SIGNING_KEYS ? JSON.parse(process.env.OIDC_SIGNING_KEYS) : [JSON.parse(env('OIDC_SIGNING_KEY'))];
const accessTokenTtl = Number(process.env.OIDC_ACCESS_TOKEN_TTL || 600);
const extraClients = JSON.parse(process.env.OIDC_EXTRA_CLIENTS || '[]');
const resourceScope = ['paars', ...(process.env.OIDC_RESOURCE_SCOPES || '').split(' ').filter(Boolean)].join(' ');
const otherResource = process.env.OIDC_OTHER_RESOURCE || '';
const clientTokenTtl = JSON.parse(process.env.OIDC_CLIENT_TOKEN_TTL || '{}');

const provider = new Provider(issuer, {
  clients: [{
    ...client,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }, ...extraClients],
  jwks: { keys: signingKeys },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'offline_access', ...resourceScope.split(' ')],
  claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
  ttl: { AccessToken: accessTokenTtl },
  async findAccount(_ctx, id) {
    const person = accounts[id];
    if (!person) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, name: person.name, email: person.email }) };
  },
  // The web app is the organisation's own (first-party) client: signing in is consent enough.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile email offline_access');
    grant.addResourceScope(resource, resourceScope);
    await grant.save();
    return grant;
  },
  // A session outlives one access token: the web app refreshes without sending the person back here.
  issueRefreshToken: async (_ctx, c) => c.grantTypeAllowed('refresh_token'),
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    // RFC 8628: the CLI shows a code, the person approves it here in a browser.
    deviceFlow: { enabled: true },
    // Internal systems: their own credential, the scopes their client may ask for.
    clientCredentials: { enabled: true },
    // `paars logout` revokes the CLI's refresh token.
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator, client) => {
        if (indicator !== resource && !(otherResource && indicator === otherResource)) throw new Provider.errors.InvalidTarget();
        return {
          scope: indicator === resource ? resourceScope : 'paars',
          audience: indicator,
          accessTokenTTL: clientTokenTtl[client.clientId] || accessTokenTtl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
