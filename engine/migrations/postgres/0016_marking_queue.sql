-- The marking queue. Answers shared out evenly (平均分配): the chief grader hands each waiting first or second mark
-- of a question to one of its graders, evenly, never to one who has marked the answer or holds
-- its other task; only that grader takes it. NULL: whoever of the question's graders is ready.
ALTER TABLE marking_tasks ADD COLUMN assigned_to BIGINT;
CREATE INDEX marking_tasks_assigned ON marking_tasks (assigned_to, state, id);

-- Leases that lapsed are found by their expiry: on PostgreSQL the versions of every task ever
-- leased stay in an index on `state` alone until vacuum, and a pull walked all of them.
CREATE INDEX marking_tasks_lapsed ON marking_tasks (state, lease_expires_ms);

-- Every lease and mark rewrites the task's row, and on PostgreSQL each index with it: this one
-- repeats the first column of the (open_answer_id, marker_slot) unique index.
DROP INDEX marking_tasks_answer;
