package ai.goldilocks.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's files: an append-only log in segments {@code journal-<first seq>.log}, one record
 * per line in {@link JournalCodec}'s framing; the first record of every segment is a
 * {@link JournalCodec.Header} holding the options the state was written with ({@link RunConfig}).
 *
 * <p>Records are appended under the caller's lock and made durable by {@link #sync}, which many
 * callers share (group commit): a request is acknowledged only after the fsync that covers its
 * record. A failed write or fsync is cut back (the file ends after the last whole record) and
 * fails the journal for good: every later append fails at once, so nothing is acknowledged that is
 * not on disk, and a restart rebuilds the state from what is.
 */
final class Journal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
  private static final Pattern SEGMENT = Pattern.compile("journal-(\\d{12})\\.log");
  private static final Pattern OLD_SEGMENT = Pattern.compile("journal-\\d{12}\\.jsonl");

  private final Path dir;
  private final Disk disk;
  private final RunConfig config;
  private FileChannel channel;
  private long written;
  private volatile long synced;
  private volatile IOException failure;
  private final Object syncLock = new Object();
  private final AtomicLong fsyncs = new AtomicLong();

  private Journal(Path dir, Disk disk, RunConfig config) {
    this.dir = dir;
    this.disk = disk;
    this.config = config;
  }

  /** Opens a journal in {@code dir}; {@link #roll} must be called before the first append. */
  static Journal open(Path dir, Disk disk, RunConfig config) {
    return new Journal(dir, disk, config);
  }

  /** The end of the last record appended: what {@link #sync} must reach for everything appended so far. */
  synchronized long written() {
    return written;
  }

  /** The fsyncs {@link #sync} made (each covers every record appended before it started). */
  long fsyncs() {
    return fsyncs.get();
  }

  /** The write or fsync that failed the journal, or null while it works. */
  IOException failure() {
    return failure;
  }

  /**
   * Starts a new segment whose first record will have sequence number {@code firstSeq} (or goes on
   * with that segment if it exists: its header was checked on replay).
   */
  void roll(long firstSeq) throws IOException {
    // the locks in sync's order (syncLock, then this): a roll waits for an fsync in flight, which
    // may need this journal's monitor to record its failure
    synchronized (syncLock) {
      synchronized (this) {
        checkWorking();
        try {
          if (channel != null) {
            if (synced < written) {
              disk.force(channel, false);
              fsyncs.incrementAndGet();
            }
            synced = written;
            channel.close();
            channel = null;
          }
          Path file = segmentFile(dir, firstSeq);
          FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          long size = c.size();
          c.position(size);
          channel = c;
          written = size;
          synced = size;
          if (size == 0) {
            long end = appendFramed(new JournalCodec.Header(firstSeq, config));
            disk.force(channel, false);
            synced = end;
          }
          fsyncDirectory(dir);
        } catch (IOException e) {
          fail(e);
          throw e;
        }
      }
    }
  }

  /**
   * Appends one record; returns the position to {@link #sync} to. On failure the file is cut back
   * to its last whole record and the journal fails for good.
   */
  synchronized long append(JournalCodec.Entry record) throws IOException {
    checkWorking();
    return appendFramed(record);
  }

  private long appendFramed(JournalCodec.Entry record) throws IOException {
    byte[] line = JournalCodec.encode(record);
    try {
      disk.write(channel, ByteBuffer.wrap(line));
    } catch (IOException e) {
      fail(e);
      throw e;
    }
    written += line.length;
    return written;
  }

  /**
   * Returns once everything up to {@code position} is on disk. Lock order, everywhere in this
   * class: {@code syncLock}, then this journal's monitor.
   */
  void sync(long position) throws IOException {
    if (synced >= position) {
      return;
    }
    synchronized (syncLock) {
      if (synced >= position) {
        return;
      }
      checkWorking();
      long end;
      FileChannel c;
      synchronized (this) {
        end = written;
        c = channel;
      }
      try {
        disk.force(c, false);
      } catch (IOException e) {
        fail(e);
        throw e;
      }
      fsyncs.incrementAndGet();
      synced = Math.max(synced, end);
    }
  }

  private void checkWorking() throws IOException {
    IOException f = failure;
    if (f != null) {
      throw new IOException("the journal failed earlier (" + f.getMessage() + ")", f);
    }
  }

  /** Fails the journal for good, cutting the file back to the last whole record when it can. */
  private synchronized void fail(IOException e) {
    if (failure == null) {
      failure = e;
      LOG.error("the journal in {} failed: {}. Every change is refused from now on (503); free the disk and "
          + "restart the server: nothing acknowledged is lost", dir, e.toString());
    }
    if (channel != null) {
      try {
        channel.truncate(written);
      } catch (IOException t) {
        LOG.warn("could not cut the journal back to its last whole record ({}); the restart will", t.toString());
      }
    }
  }

  /** Segment files in {@code dir}, by first sequence number. */
  static List<Long> segments(Path dir) throws IOException {
    List<Long> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        Matcher m = SEGMENT.matcher(name);
        if (m.matches()) {
          out.add(Long.parseLong(m.group(1)));
        } else if (OLD_SEGMENT.matcher(name).matches()) {
          throw new IOException(p + " is a journal segment of an older server version (without checksums), which this "
              + "server cannot read: finish that run with the older version, or move " + dir + " away to start afresh");
        }
      }
    }
    out.sort(null);
    return out;
  }

  static Path segmentFile(Path dir, long firstSeq) {
    return dir.resolve(String.format(Locale.ROOT, "journal-%012d.log", firstSeq));
  }

  /**
   * Replays every record with a sequence number above {@code after}, in order, checking each
   * segment's header against {@code config}. An incomplete last record of the last segment (a
   * write cut by a crash or a full disk, never acknowledged) is cut away with a warning; any other
   * damage (a complete record whose checksum or length does not match, an unreadable record, a
   * gap in the sequence numbers) may have been acknowledged and is an {@link IOException} naming
   * the file, line and what to do. Returns the last sequence number seen.
   */
  static long replay(Path dir, long after, RunConfig config, Consumer<JournalCodec.Entry> apply) throws IOException {
    long last = after;
    List<Long> segs = segments(dir);
    for (int s = 0; s < segs.size(); s++) {
      Path file = segmentFile(dir, segs.get(s));
      boolean lastSegment = s == segs.size() - 1;
      byte[] all = Files.readAllBytes(file);
      int pos = 0;
      int line = 0;
      while (pos < all.length) {
        line++;
        int nl = indexOf(all, (byte) '\n', pos);
        if (nl < 0) {
          if (!lastSegment) {
            throw damaged(file, line, pos, "its last record is incomplete, yet a later segment follows");
          }
          LOG.warn("{}: cut {} bytes at byte {} (line {}): an incomplete record at the end, written when the "
              + "server stopped or the disk was full; it was never acknowledged", file, all.length - pos, pos, line);
          truncate(file, pos);
          break;
        }
        JournalCodec.Entry rec;
        try {
          rec = JournalCodec.decode(all, pos, nl);
        } catch (JournalCodec.Damage d) {
          throw damaged(file, line, pos, d.getMessage());
        }
        if (line == 1) {
          checkHeader(file, rec, segs.get(s), config);
        } else {
          long seq = rec instanceof JournalCodec.PicksEntry p ? p.seq()
              : rec instanceof JournalCodec.RewardsEntry r ? r.seq() : -1;
          if (seq < 0) {
            throw damaged(file, line, pos, "a segment header in the middle of a segment");
          }
          if (seq > after) {
            if (seq != last + 1) {
              throw damaged(file, line, pos, "sequence " + seq + " follows " + last);
            }
            try {
              apply.accept(rec);
            } catch (UnsupportedOperationException e) {
              throw e; // the sampler cannot replay: not damage, the caller says what to do
            } catch (RuntimeException e) {
              throw damaged(file, line, pos, "the record is readable but not valid (" + e + ")");
            }
            last = seq;
          }
        }
        pos = nl + 1;
      }
      if (line == 0 && !lastSegment) {
        throw damaged(file, 1, 0, "the segment is empty, yet a later segment follows");
      }
    }
    return last;
  }

  private static void checkHeader(Path file, JournalCodec.Entry rec, long firstSeq, RunConfig config) throws IOException {
    if (!(rec instanceof JournalCodec.Header h) || h.firstSeq() != firstSeq) {
      throw damaged(file, 1, 0, "the segment header is not valid (not the header of segment " + firstSeq + ")");
    }
    List<String> diff = config.differencesFrom(h.config());
    if (!diff.isEmpty()) {
      throw new IOException(file + " was written with other options: " + String.join("; ", diff)
          + ". Restart with the options the state was written with, or use a fresh --state-dir for a new run");
    }
  }

  private static IOException damaged(Path file, int line, int pos, String what) {
    return new IOException(file + " line " + line + " (byte " + pos + ") is damaged: " + what + ". It may hold "
        + "acknowledged picks or rewards, so the server does not start past it. Restore the state directory from a "
        + "backup; or, to give up this record and every later one, cut the file there (truncate -s " + pos + " " + file
        + "), remove later journal segments, and restart");
  }

  private static int indexOf(byte[] a, byte b, int from) {
    for (int i = from; i < a.length; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static void truncate(Path file, long size) throws IOException {
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
      c.truncate(size);
      c.force(true);
    }
  }

  static void fsyncDirectory(Path dir) {
    try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
      c.force(true);
    } catch (IOException e) {
      // some file systems cannot open directories; the rename is still atomic
    }
  }

  /** Closes the segment once an fsync in flight has finished (it would fail on a closed channel). */
  @Override
  public void close() throws IOException {
    synchronized (syncLock) {
      synchronized (this) {
        if (channel != null) {
          try {
            if (failure == null) {
              channel.force(false);
            }
          } finally {
            channel.close();
            channel = null;
          }
        }
      }
    }
  }
}
