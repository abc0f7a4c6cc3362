-- Optional per-section minimums of the pass rule (hundredths of a point): a candidate passes
-- with total >= pass_mark and, where set, objective >= min_objective and open >= min_open.
ALTER TABLE events ADD COLUMN min_objective BIGINT;
ALTER TABLE events ADD COLUMN min_open BIGINT;
