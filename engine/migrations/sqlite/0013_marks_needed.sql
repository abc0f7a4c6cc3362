-- How many independent marks an answer needs is fixed when it is queued (the event's marking
-- policy at that moment): a later change of policy never adds or drops marks of answers already
-- queued. Answers queued before this column existed need as many as they were given tasks for.
ALTER TABLE open_answers ADD COLUMN marks_needed BIGINT NOT NULL DEFAULT 2;
UPDATE open_answers SET marks_needed = 1
 WHERE (SELECT COUNT(*) FROM marking_tasks t WHERE t.open_answer_id = open_answers.id AND t.marker_slot <= 2) = 1;

-- "Has this grader marked this answer?" is asked of every candidate task on every pull: by the
-- answer and the grader together, not the grader's every mark.
CREATE INDEX marks_answer_grader ON marks (open_answer_id, grader_id);

-- The queue is taken oldest task first: queued tasks in id order, found without sorting them.
CREATE INDEX marking_tasks_queue_order ON marking_tasks (state, id);

-- When the task's current lease began: a mark's time is from then to the mark (the chief's
-- dashboard shows each grader's median time per answer).
ALTER TABLE marking_tasks ADD COLUMN leased_ms BIGINT;
