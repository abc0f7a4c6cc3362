-- Every lease and every mark changes a task's state, an indexed column, so each index of
-- marking_tasks is written on every change of every task. Kept: what the pull and the mark walk.
-- The pull finds lapsed leases oldest first along (state, lease_expires_ms, id) instead of
-- walking every leased task. No statement uses the three dropped: the queue is walked along
-- (state, marker_slot, id), an answer's tasks are found by its (open_answer_id, marker_slot)
-- key, and nothing looks tasks up by question and state.
CREATE INDEX marking_tasks_lapsed ON marking_tasks (state, lease_expires_ms, id);
DROP INDEX marking_tasks_queue_order;
DROP INDEX marking_tasks_answer;
DROP INDEX marking_tasks_queue;
-- An answer's marks are found along (open_answer_id, grader_id), which the pull needs anyway.
DROP INDEX marks_answer;
