"""Live updates pushed to open pages: every write of a DevServer row published through Redis pub/sub
(`receivers`, `channel`), one subscription per web process fanned out to its streams (`hub`), and the
server-sent event streams that swap in only the rows a change touched (`fragments`, `stream`, `views`)."""
