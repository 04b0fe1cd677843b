// The organisation's identity provider in the browser tests: oidc-provider (OpenID certified), configured
// by the environment the test fixture sets, printing "oidc-provider listening on <issuer>" when ready.
//   OIDC_PORT              port on 127.0.0.1
//   OIDC_CLIENT            JSON: {client_id, client_secret, redirect_uris, post_logout_redirect_uris}
//   OIDC_ACCOUNTS          JSON: {id: {name, email}} (the demo people, by directory id)
//   OIDC_RESOURCE          the Paars audience: access tokens for it are RS256 JWTs
//   OIDC_SIGNING_KEY       the private RSA JWK (JSON) tokens are signed with; its public half is on /jwks
//   OIDC_ACCESS_TOKEN_TTL  seconds an access token lives (default 600)
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
const signingKey = JSON.parse(env('OIDC_SIGNING_KEY'));
const accessTokenTtl = Number(process.env.OIDC_ACCESS_TOKEN_TTL || 600);

const provider = new Provider(issuer, {
  clients: [{
    ...client,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'offline_access'],
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
    grant.addResourceScope(resource, 'paars');
    await grant.save();
    return grant;
  },
  // A session outlives one access token: the web app refreshes without sending the person back here.
  issueRefreshToken: async (_ctx, c) => c.grantTypeAllowed('refresh_token'),
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator !== resource) throw new Provider.errors.InvalidTarget();
        return {
          scope: 'paars',
          audience: resource,
          accessTokenTTL: accessTokenTtl,
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
