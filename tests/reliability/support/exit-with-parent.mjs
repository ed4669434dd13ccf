// Preloaded into the Herald processes a reliability test starts. When the test process goes
// away, the child's end of its stdin pipe closes: the child then goes too, so no worker keeps
// polling a deleted queue after a test run was interrupted. It changes nothing else.
process.stdin.on('end', () => process.kill(process.pid, 'SIGKILL'));
process.stdin.on('error', () => process.kill(process.pid, 'SIGKILL'));
process.stdin.resume();
process.stdin.unref();
