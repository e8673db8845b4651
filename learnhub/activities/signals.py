"""What the activities feature tells features above it (rankings, the week's report)."""

from blinker import signal

# sender: the Attendance row (attendance recorded, or undone)
attendance_recorded = signal("learnhub.activity-attendance-recorded")
attendance_undone = signal("learnhub.activity-attendance-undone")
# sender: the Activity (published; cancelled; a session's time or place changed)
activity_published = signal("learnhub.activity-published")
activity_cancelled = signal("learnhub.activity-cancelled")
