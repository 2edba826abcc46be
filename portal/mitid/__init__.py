"""Sign-in with MitID through NemLog-in (OpenID Connect), as an allauth
provider built on allauth's own OpenID Connect provider."""
