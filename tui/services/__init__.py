"""What the running app does with its database, one job per module: `database` (prepare at
start, switch, revision state), `connection_watch` (the header says when it goes and comes back).
"""
