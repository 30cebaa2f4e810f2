// A VFS over the default one that changes how WAL files are written, and nothing else.
//
// SQLite appends each WAL frame with two writes (its 24-byte header, then the page), so a commit of eight pages
// costs sixteen pwrite calls. Here the frames of a transaction collect in memory while they are contiguous and
// go to the file in one write when the page of the commit frame arrives (a frame header whose "database size
// after commit" field is not 0 marks it). That write returns before SQLite goes on to sync or to publish the
// frames in the wal-index, so readers and the sync see exactly what they would without the buffer. Anything
// else that touches a WAL file (a read, a write elsewhere, sync, truncate, size, lock changes, close) first
// writes what is buffered. A frame header written anywhere but at the end of the last write (SQLite rewriting
// checksums in place) is written at once, so no header can wait in the buffer after its transaction. Readers
// read only frames' pages, which are in the file before the commit write returns. An error of the buffered write
// is returned by the write call that triggered it, which SQLite treats as the failure of that transaction.
#include "tm_wal_buffer_vfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define WAL_FRAME_HEADER_BYTES 24
/// Buffered bytes beyond which the buffer is written even before the commit frame (large transactions).
#define FLUSH_BYTES (1 << 20)

typedef struct BufferedFile {
    sqlite3_file base;
    /// The default VFS's file, in the memory right after this struct.
    sqlite3_file *real;
    int isWAL;
    unsigned char *buffer;
    sqlite3_int64 bufferOffset;
    int bufferBytes;
    int bufferCapacity;
    /// Set after the header of a commit frame: the next write (its page) completes the transaction.
    int commitPageNext;
    /// Where the next appended frame starts: the end of the last write; -1 until this handle wrote.
    sqlite3_int64 appendOffset;
} BufferedFile;

static sqlite3_vfs *baseVFS;
static sqlite3_vfs bufferVFS;
static sqlite3_io_methods bufferMethods;
static long long walWrites;
const char *const tm_wal_buffer_vfs_name = "taskmanager-wal-buffer";

/// The most bytes handed to the default VFS in one write: its unix write takes at most 128 KiB - 1 per call
/// ("nBuf &= 0x1ffff" in seekAndWriteFd) and reports a multiple of 128 KiB as a full disk.
#define MAX_WRITE_BYTES (120 * 1024)

static int flushBuffer(BufferedFile *file) {
    int bytes = file->bufferBytes;
    file->bufferBytes = 0;
    for (int done = 0; done < bytes;) {
        int chunk = bytes - done < MAX_WRITE_BYTES ? bytes - done : MAX_WRITE_BYTES;
        __atomic_add_fetch(&walWrites, 1, __ATOMIC_RELAXED);
        int rc = file->real->pMethods->xWrite(file->real, file->buffer + done, chunk, file->bufferOffset + done);
        if (rc != SQLITE_OK) return rc;
        done += chunk;
    }
    return SQLITE_OK;
}

static int bufferedClose(sqlite3_file *handle) {
    BufferedFile *file = (BufferedFile *)handle;
    int flushed = flushBuffer(file);
    int rc = file->real->pMethods->xClose(file->real);
    free(file->buffer);
    file->buffer = NULL;
    return flushed != SQLITE_OK ? flushed : rc;
}

static int bufferedRead(sqlite3_file *handle, void *data, int amount, sqlite3_int64 offset) {
    BufferedFile *file = (BufferedFile *)handle;
    int rc = flushBuffer(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xRead(file->real, data, amount, offset);
}

static int appendToBuffer(BufferedFile *file, const void *data, int amount, sqlite3_int64 offset) {
    if (file->bufferBytes > 0 && offset != file->bufferOffset + file->bufferBytes) {
        int rc = flushBuffer(file);
        if (rc != SQLITE_OK) return rc;
    }
    if (file->bufferBytes + amount > file->bufferCapacity) {
        int capacity = file->bufferCapacity ? file->bufferCapacity : 64 * 1024;
        while (capacity < file->bufferBytes + amount) capacity *= 2;
        unsigned char *grown = realloc(file->buffer, (size_t)capacity);
        if (grown == NULL) {
            // No memory for the buffer: write what is held, then this write, as SQLite would.
            int rc = flushBuffer(file);
            if (rc != SQLITE_OK) return rc;
            __atomic_add_fetch(&walWrites, 1, __ATOMIC_RELAXED);
            return file->real->pMethods->xWrite(file->real, data, amount, offset);
        }
        file->buffer = grown;
        file->bufferCapacity = capacity;
    }
    if (file->bufferBytes == 0) file->bufferOffset = offset;
    memcpy(file->buffer + file->bufferBytes, data, (size_t)amount);
    file->bufferBytes += amount;
    return SQLITE_OK;
}

static int bufferedWrite(sqlite3_file *handle, const void *data, int amount, sqlite3_int64 offset) {
    BufferedFile *file = (BufferedFile *)handle;
    if (!file->isWAL) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    int commitPage = file->commitPageNext;
    file->commitPageNext = 0;
    int append = offset == file->appendOffset;
    file->appendOffset = offset + amount;
    if (amount == WAL_FRAME_HEADER_BYTES && !append) {
        // A frame header rewritten in place (SQLite recomputing checksums, "walRewriteChecksums"), or the first
        // write of this handle: written at once, since nothing may follow it before the frames are published.
        int rc = flushBuffer(file);
        if (rc != SQLITE_OK) return rc;
        __atomic_add_fetch(&walWrites, 1, __ATOMIC_RELAXED);
        return file->real->pMethods->xWrite(file->real, data, amount, offset);
    }
    if (amount == WAL_FRAME_HEADER_BYTES) {
        const unsigned char *header = data;
        // Bytes 4-7, big-endian: the database size in pages after a commit; 0 in every other frame.
        file->commitPageNext = (header[4] | header[5] | header[6] | header[7]) != 0;
    }
    int rc = appendToBuffer(file, data, amount, offset);
    if (rc != SQLITE_OK) return rc;
    if (commitPage || file->bufferBytes >= FLUSH_BYTES) return flushBuffer(file);
    return SQLITE_OK;
}

static int bufferedTruncate(sqlite3_file *handle, sqlite3_int64 size) {
    BufferedFile *file = (BufferedFile *)handle;
    int rc = flushBuffer(file);
    if (rc != SQLITE_OK) return rc;
    file->appendOffset = -1;
    return file->real->pMethods->xTruncate(file->real, size);
}

static int bufferedSync(sqlite3_file *handle, int flags) {
    BufferedFile *file = (BufferedFile *)handle;
    int rc = flushBuffer(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xSync(file->real, flags);
}

static int bufferedFileSize(sqlite3_file *handle, sqlite3_int64 *size) {
    BufferedFile *file = (BufferedFile *)handle;
    int rc = flushBuffer(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xFileSize(file->real, size);
}

static int bufferedLock(sqlite3_file *handle, int lock) {
    BufferedFile *file = (BufferedFile *)handle;
    return file->real->pMethods->xLock(file->real, lock);
}

static int bufferedUnlock(sqlite3_file *handle, int lock) {
    BufferedFile *file = (BufferedFile *)handle;
    int rc = flushBuffer(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xUnlock(file->real, lock);
}

static int bufferedCheckReservedLock(sqlite3_file *handle, int *out) {
    BufferedFile *file = (BufferedFile *)handle;
    return file->real->pMethods->xCheckReservedLock(file->real, out);
}

static int bufferedFileControl(sqlite3_file *handle, int op, void *argument) {
    BufferedFile *file = (BufferedFile *)handle;
    if (file->isWAL) {
        int rc = flushBuffer(file);
        if (rc != SQLITE_OK) return rc;
    }
    return file->real->pMethods->xFileControl(file->real, op, argument);
}

static int bufferedSectorSize(sqlite3_file *handle) {
    BufferedFile *file = (BufferedFile *)handle;
    return file->real->pMethods->xSectorSize(file->real);
}

static int bufferedDeviceCharacteristics(sqlite3_file *handle) {
    BufferedFile *file = (BufferedFile *)handle;
    return file->real->pMethods->xDeviceCharacteristics(file->real);
}

static int bufferedShmMap(sqlite3_file *handle, int region, int size, int extend, void volatile **out) {
    BufferedFile *file = (BufferedFile *)handle;
    return file->real->pMethods->xShmMap(file->real, region, size, extend, out);
}

static int bufferedShmLock(sqlite3_file *handle, int offset, int n, int flags) {
    BufferedFile *file = (BufferedFile *)handle;
    return file->real->pMethods->xShmLock(file->real, offset, n, flags);
}

static void bufferedShmBarrier(sqlite3_file *handle) {
    BufferedFile *file = (BufferedFile *)handle;
    file->real->pMethods->xShmBarrier(file->real);
}

static int bufferedShmUnmap(sqlite3_file *handle, int deleteFlag) {
    BufferedFile *file = (BufferedFile *)handle;
    return file->real->pMethods->xShmUnmap(file->real, deleteFlag);
}

static int bufferedFetch(sqlite3_file *handle, sqlite3_int64 offset, int amount, void **out) {
    BufferedFile *file = (BufferedFile *)handle;
    int rc = flushBuffer(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xFetch(file->real, offset, amount, out);
}

static int bufferedUnfetch(sqlite3_file *handle, sqlite3_int64 offset, void *page) {
    BufferedFile *file = (BufferedFile *)handle;
    return file->real->pMethods->xUnfetch(file->real, offset, page);
}

static int bufferedOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *handle, int flags, int *outFlags) {
    (void)vfs;
    BufferedFile *file = (BufferedFile *)handle;
    memset(file, 0, sizeof(*file));
    file->real = (sqlite3_file *)&file[1];
    int rc = baseVFS->xOpen(baseVFS, name, file->real, flags, outFlags);
    // "If xOpen fails, pMethods must be NULL or xClose is still called"; pass on what the real file got.
    if (file->real->pMethods == NULL) {
        file->base.pMethods = NULL;
        return rc;
    }
    file->isWAL = (flags & SQLITE_OPEN_WAL) != 0;
    file->appendOffset = -1;
    file->base.pMethods = &bufferMethods;
    return rc;
}

static int forwardDelete(sqlite3_vfs *vfs, const char *name, int syncDir) {
    (void)vfs;
    return baseVFS->xDelete(baseVFS, name, syncDir);
}

static int forwardAccess(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    (void)vfs;
    return baseVFS->xAccess(baseVFS, name, flags, out);
}

static int forwardFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    (void)vfs;
    return baseVFS->xFullPathname(baseVFS, name, size, out);
}

static void *forwardDlOpen(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return baseVFS->xDlOpen(baseVFS, name);
}

static void forwardDlError(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    baseVFS->xDlError(baseVFS, size, out);
}

static void (*forwardDlSym(sqlite3_vfs *vfs, void *library, const char *symbol))(void) {
    (void)vfs;
    return baseVFS->xDlSym(baseVFS, library, symbol);
}

static void forwardDlClose(sqlite3_vfs *vfs, void *library) {
    (void)vfs;
    baseVFS->xDlClose(baseVFS, library);
}

static int forwardRandomness(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    return baseVFS->xRandomness(baseVFS, size, out);
}

static int forwardSleep(sqlite3_vfs *vfs, int micros) {
    (void)vfs;
    return baseVFS->xSleep(baseVFS, micros);
}

static int forwardCurrentTime(sqlite3_vfs *vfs, double *out) {
    (void)vfs;
    return baseVFS->xCurrentTime(baseVFS, out);
}

static int forwardGetLastError(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    return baseVFS->xGetLastError ? baseVFS->xGetLastError(baseVFS, size, out) : 0;
}

static int forwardCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    (void)vfs;
    return baseVFS->xCurrentTimeInt64(baseVFS, out);
}

static int registerResult = SQLITE_ERROR;

static void registerOnce(void) {
    if (sqlite3_initialize() != SQLITE_OK) return;
    baseVFS = sqlite3_vfs_find(NULL);
    if (baseVFS == NULL || baseVFS->iVersion < 2) return;
    bufferMethods = (sqlite3_io_methods){
        .iVersion = 3,
        .xClose = bufferedClose,
        .xRead = bufferedRead,
        .xWrite = bufferedWrite,
        .xTruncate = bufferedTruncate,
        .xSync = bufferedSync,
        .xFileSize = bufferedFileSize,
        .xLock = bufferedLock,
        .xUnlock = bufferedUnlock,
        .xCheckReservedLock = bufferedCheckReservedLock,
        .xFileControl = bufferedFileControl,
        .xSectorSize = bufferedSectorSize,
        .xDeviceCharacteristics = bufferedDeviceCharacteristics,
        .xShmMap = bufferedShmMap,
        .xShmLock = bufferedShmLock,
        .xShmBarrier = bufferedShmBarrier,
        .xShmUnmap = bufferedShmUnmap,
        .xFetch = bufferedFetch,
        .xUnfetch = bufferedUnfetch,
    };
    bufferVFS = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(BufferedFile) + baseVFS->szOsFile,
        .mxPathname = baseVFS->mxPathname,
        .zName = tm_wal_buffer_vfs_name,
        .xOpen = bufferedOpen,
        .xDelete = forwardDelete,
        .xAccess = forwardAccess,
        .xFullPathname = forwardFullPathname,
        .xDlOpen = forwardDlOpen,
        .xDlError = forwardDlError,
        .xDlSym = forwardDlSym,
        .xDlClose = forwardDlClose,
        .xRandomness = forwardRandomness,
        .xSleep = forwardSleep,
        .xCurrentTime = forwardCurrentTime,
        .xGetLastError = forwardGetLastError,
        .xCurrentTimeInt64 = forwardCurrentTimeInt64,
    };
    // sqlite3_vfs_register takes SQLite's main mutex itself.
    registerResult = sqlite3_vfs_register(&bufferVFS, 0);
}

int tm_wal_buffer_vfs_register(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, registerOnce);
    return registerResult;
}

long long tm_wal_buffer_vfs_wal_writes(void) {
    return __atomic_load_n(&walWrites, __ATOMIC_RELAXED);
}
