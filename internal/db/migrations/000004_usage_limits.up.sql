-- Per-user limits on LLM work (README, Limits). The counts live in the
-- database so that every Lambda environment shares them; they are read
-- and charged under a lock on the user's row, in the transaction that
-- starts the work.

-- The questions a user's generation runs asked for, per UTC day.
CREATE TABLE usage_daily (
    user_id   uuid    NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    day       date    NOT NULL,
    questions integer NOT NULL DEFAULT 0 CHECK (questions >= 0),
    PRIMARY KEY (user_id, day)
);

-- The generation runs of each quiz, the first (at creation) included.
-- A table of its own: a column on quiz would change every quiz query.
CREATE TABLE quiz_usage (
    quiz_id         uuid    PRIMARY KEY REFERENCES quiz (id) ON DELETE CASCADE,
    generation_runs integer NOT NULL DEFAULT 0 CHECK (generation_runs >= 0)
);
