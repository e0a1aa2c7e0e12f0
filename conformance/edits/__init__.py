"""Image edits (``POST /v1/images/edits``): what a model edits with, the inputs and
the multipart bodies the real clients send, what an edit costs, and how an answer
shows the edit took effect.

Nothing here imports the profile, the planner or the transport: those read this
package, so edits stay one concern with one home.
"""
