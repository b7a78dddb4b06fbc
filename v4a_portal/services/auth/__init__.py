"""Who is signed in: the identity provider's ID tokens (`identity`), browser sessions
(`web_sessions`) and API access and refresh tokens (`api_tokens`)."""
