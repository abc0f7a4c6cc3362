-- An account with an initial password issued by the exam office must change it at first login
-- (1); existing accounts keep theirs (0).
ALTER TABLE accounts ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
