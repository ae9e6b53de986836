"""The directory: which number a client or staff member has, and whether they accept SMS."""
