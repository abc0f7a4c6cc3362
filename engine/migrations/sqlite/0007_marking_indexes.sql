-- Pulling the next marking task: a grader's own live lease, the other tasks of the same answer,
-- and the queue in (third markings first, then oldest) order are found by index, not by scanning
-- every task of the event on every pull.
CREATE INDEX marking_tasks_answer ON marking_tasks (open_answer_id);
CREATE INDEX marking_tasks_lease ON marking_tasks (leased_by, state);
CREATE INDEX marking_tasks_pull ON marking_tasks (state, marker_slot, id);
