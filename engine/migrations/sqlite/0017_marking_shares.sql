-- Answers shared out evenly (平均分配): the chief grader hands each waiting first or second mark
-- of a question to one of its graders, evenly, never to one who has marked the answer or holds
-- its other task; only that grader takes it. NULL: whoever of the question's graders is ready.
ALTER TABLE marking_tasks ADD COLUMN assigned_to BIGINT;
CREATE INDEX marking_tasks_assigned ON marking_tasks (assigned_to, state, id);
