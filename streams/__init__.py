"""The imperative shell: the Faust app, topic definitions, agents, the runtime and the CLI."""
