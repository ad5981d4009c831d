// Hooks and global styles for mounted components (none here).
