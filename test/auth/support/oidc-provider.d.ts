// oidc-provider ships no type declarations; the test IdP uses a small part of it.
declare module 'oidc-provider' {
  // biome-ignore lint/suspicious/noExplicitAny: untyped library, used only by the test IdP
  const Provider: any;
  export default Provider;
}
