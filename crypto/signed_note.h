// signed notes: to be written
