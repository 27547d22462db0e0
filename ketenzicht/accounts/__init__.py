"""The functional administrator's pages for users, their roles and their API tokens: every change in the
access log, a user never deleted (deactivated), an administrator never locking themselves out."""
