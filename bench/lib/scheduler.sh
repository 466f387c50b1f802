# Section "scheduler": bench/scheduler (written with the scheduler) at several entry counts.
section_scheduler() { note "scheduler: not measured yet"; }
