"""The transcript schema and its forward migrations, tracked in PRAGMA user_version.

Append a new script to MIGRATIONS to change the schema; never edit one that has shipped.
Times: `created_at` is wall-clock Unix seconds; `vtime` is simulated seconds since the run began
(what replay scales). `seq` orders every event of a run, across tables.
"""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE runs (
        id            TEXT PRIMARY KEY,
        started_at    REAL NOT NULL,
        finished_at   REAL,
        status        TEXT NOT NULL CHECK (status IN ('running','finished','interrupted','failed')),
        stop_reason   TEXT,
        title         TEXT,
        pack          TEXT NOT NULL,
        scenario      TEXT NOT NULL,
        model         TEXT NOT NULL,
        platform      TEXT NOT NULL,
        seed          INTEGER NOT NULL,
        settings      TEXT NOT NULL DEFAULT '{}',
        parent_run_id TEXT REFERENCES runs(id),
        forked_at     INTEGER,
        batch_id      TEXT,
        variant       TEXT,
        pid           INTEGER,
        host          TEXT
    );
    CREATE INDEX runs_started ON runs(started_at);
    CREATE INDEX runs_batch ON runs(batch_id, variant);

    CREATE TABLE participants (
        run_id  TEXT NOT NULL REFERENCES runs(id),
        id      TEXT NOT NULL,
        kind    TEXT NOT NULL CHECK (kind IN ('human','persona')),
        name    TEXT NOT NULL,
        role    TEXT,
        color   TEXT,
        avatar  TEXT,
        model   TEXT,
        joined_at REAL NOT NULL,
        PRIMARY KEY (run_id, id)
    );

    CREATE TABLE messages (
        run_id      TEXT NOT NULL REFERENCES runs(id),
        id          INTEGER NOT NULL,
        seq         INTEGER NOT NULL,
        author_kind TEXT NOT NULL CHECK (author_kind IN ('human','persona')),
        author_id   TEXT NOT NULL,
        text        TEXT NOT NULL,
        reply_to    INTEGER,
        thread_id   INTEGER,
        created_at  REAL NOT NULL,
        vtime       REAL NOT NULL,
        inherited   INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, id)
    );
    CREATE INDEX messages_seq ON messages(run_id, seq);

    CREATE TABLE reactions (
        run_id     TEXT NOT NULL REFERENCES runs(id),
        seq        INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        author_id  TEXT NOT NULL,
        emoji      TEXT NOT NULL,
        created_at REAL NOT NULL,
        vtime      REAL NOT NULL,
        inherited  INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX reactions_seq ON reactions(run_id, seq);

    CREATE TABLE decisions (
        run_id     TEXT NOT NULL REFERENCES runs(id),
        seq        INTEGER NOT NULL,
        persona_id TEXT NOT NULL,
        message_id INTEGER NOT NULL,
        action     TEXT NOT NULL CHECK (action IN ('reply','react','ignore')),
        source     TEXT NOT NULL CHECK (source IN ('model','rules','fallback')),
        reason     TEXT,
        error      TEXT,
        created_at REAL NOT NULL,
        vtime      REAL NOT NULL
    );
    CREATE INDEX decisions_run ON decisions(run_id, seq);

    CREATE TABLE llm_calls (
        run_id                TEXT NOT NULL REFERENCES runs(id),
        seq                   INTEGER NOT NULL,
        persona_id            TEXT NOT NULL,
        model                 TEXT NOT NULL,
        purpose               TEXT NOT NULL,
        input_tokens          INTEGER NOT NULL DEFAULT 0,
        cached_input_tokens   INTEGER NOT NULL DEFAULT 0,
        cache_creation_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens         INTEGER NOT NULL DEFAULT 0,
        cost_usd              REAL NOT NULL DEFAULT 0,
        latency_ms            REAL NOT NULL DEFAULT 0,
        from_cache            INTEGER NOT NULL DEFAULT 0,
        error                 TEXT,
        created_at            REAL NOT NULL
    );
    CREATE INDEX llm_calls_run ON llm_calls(run_id, seq);

    CREATE TABLE run_events (
        run_id     TEXT NOT NULL REFERENCES runs(id),
        seq        INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        data       TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL,
        vtime      REAL NOT NULL
    );
    CREATE INDEX run_events_run ON run_events(run_id, seq);
    """,
    # Scenarios: a meeting's votes get their own typed table (tallies are one GROUP BY, and a
    # CHECK keeps choices honest); a feed's quote posts reference the message they quote.
    """
    CREATE TABLE votes (
        run_id     TEXT NOT NULL REFERENCES runs(id),
        seq        INTEGER NOT NULL,
        item       INTEGER NOT NULL,
        motion     TEXT NOT NULL,
        persona_id TEXT NOT NULL,
        choice     TEXT NOT NULL CHECK (choice IN ('for','against','abstain')),
        reason     TEXT NOT NULL DEFAULT '',
        source     TEXT NOT NULL CHECK (source IN ('model','rules','fallback')),
        message_id INTEGER,
        created_at REAL NOT NULL,
        vtime      REAL NOT NULL,
        inherited  INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX votes_run ON votes(run_id, item);
    ALTER TABLE messages ADD COLUMN quote_of INTEGER;
    """,
    # The response cache (agents.backends.cache; bot.transcript.response_cache): identical model
    # requests answered for $0, shared by every run in the file. Keyed by a hash of the request,
    # not by run; derived and disposable. IF NOT EXISTS: files from before this migration already
    # have the table, made by the cache itself.
    """
    CREATE TABLE IF NOT EXISTS llm_cache (
        key        TEXT PRIMARY KEY,
        model      TEXT NOT NULL,
        completion TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    """,
    # The appraisal (agents.appraisal) next to every decision, on every backend: how much the
    # message touched the persona (relevance 0-1), how they took it (valence -1..1), where they
    # stand on the matter it belongs to (lean -1..1: what a reply of theirs argues), and the
    # concern or value it hit.
    """
    ALTER TABLE decisions ADD COLUMN relevance REAL;
    ALTER TABLE decisions ADD COLUMN valence REAL;
    ALTER TABLE decisions ADD COLUMN lean REAL;
    ALTER TABLE decisions ADD COLUMN appraisal TEXT;
    """,
    # Delivery to Discord / Slack (bot.platforms.hosted): one row per message and platform, the
    # newest state winning, so `show` and the exports can mark what never reached the channel and
    # `replay --undelivered` can send just that. A message of a hosted run without a row was never
    # sent (e.g. a second Ctrl-C).
    """
    CREATE TABLE deliveries (
        run_id              TEXT NOT NULL REFERENCES runs(id),
        message_id          INTEGER NOT NULL,
        platform            TEXT NOT NULL,
        state               TEXT NOT NULL CHECK (state IN ('delivered','dropped','failed')),
        platform_message_id TEXT,
        error               TEXT,
        created_at          REAL NOT NULL,
        PRIMARY KEY (run_id, message_id, platform)
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
