#ifndef TM_WAL_BUFFER_VFS_H
#define TM_WAL_BUFFER_VFS_H

/// The name of the SQLite VFS that buffers a transaction's WAL frames and writes them with one write at the
/// commit frame; NULL until registered.
extern const char *const tm_wal_buffer_vfs_name;

/// Registers the VFS (once per process; later calls do nothing) over the default VFS, without making it the
/// default. Returns an SQLite result code.
int tm_wal_buffer_vfs_register(void);

/// The number of write calls the VFS made to WAL files since the process started (for tests).
long long tm_wal_buffer_vfs_wal_writes(void);

#endif
