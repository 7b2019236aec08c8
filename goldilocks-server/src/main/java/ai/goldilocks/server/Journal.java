package ai.goldilocks.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only journal in segments {@code journal-<first seq>.log}. Each line is one record,
 * framed as {@code <length> <crc32c> <json>\n}: the JSON's length in bytes (decimal) and its
 * CRC-32C (8 hex digits). The first record of every segment is a header, {@code {"type":
 * "segment", "format": 2, "firstSeq": N, "config": {...}}}, holding the options the state was
 * written with ({@link RunConfig}).
 *
 * <p>Records are appended under the caller's lock and made durable by {@link #sync}, which many
 * callers share (group commit): a request is acknowledged only after the fsync that covers its
 * record. A failed write or fsync is cut back (the file ends after the last whole record) and
 * fails the journal for good: every later append fails at once, so nothing is acknowledged that is
 * not on disk, and a restart rebuilds the state from what is.
 */
final class Journal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
  static final int FORMAT = 2;
  private static final Pattern SEGMENT = Pattern.compile("journal-(\\d{12})\\.log");
  private static final Pattern OLD_SEGMENT = Pattern.compile("journal-\\d{12}\\.jsonl");
  private static final Pattern FRAME = Pattern.compile("(\\d{1,10}) ([0-9a-f]{8}) ");

  private final Path dir;
  private final Disk disk;
  private final RunConfig config;
  private FileChannel channel;
  private long written;
  private volatile long synced;
  private volatile IOException failure;
  private final Object syncLock = new Object();

  private Journal(Path dir, Disk disk, RunConfig config) {
    this.dir = dir;
    this.disk = disk;
    this.config = config;
  }

  /** Opens a journal in {@code dir}; {@link #roll} must be called before the first append. */
  static Journal open(Path dir, Disk disk, RunConfig config) {
    return new Journal(dir, disk, config);
  }

  /** The write or fsync that failed the journal, or null while it works. */
  IOException failure() {
    return failure;
  }

  /**
   * Starts a new segment whose first record will have sequence number {@code firstSeq} (or goes on
   * with that segment if it exists: its header was checked on replay).
   */
  synchronized void roll(long firstSeq) throws IOException {
    checkWorking();
    try {
      if (channel != null) {
        sync(written);
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
        JsonObject h = new JsonObject();
        h.addProperty("type", "segment");
        h.addProperty("format", FORMAT);
        h.addProperty("firstSeq", firstSeq);
        h.add("config", config.toJson());
        long end = appendFramed(h);
        disk.force(channel, false);
        synced = end;
      }
      fsyncDirectory(dir);
    } catch (IOException e) {
      fail(e);
      throw e;
    }
  }

  /**
   * Appends one record; returns the position to {@link #sync} to. On failure the file is cut back
   * to its last whole record and the journal fails for good.
   */
  synchronized long append(JsonObject record) throws IOException {
    checkWorking();
    return appendFramed(record);
  }

  private long appendFramed(JsonObject record) throws IOException {
    byte[] line = frame(record);
    try {
      disk.write(channel, ByteBuffer.wrap(line));
    } catch (IOException e) {
      fail(e);
      throw e;
    }
    written += line.length;
    return written;
  }

  /** One framed line: {@code <length> <crc32c> <json>\n}. */
  static byte[] frame(JsonObject record) {
    byte[] json = record.toString().getBytes(StandardCharsets.UTF_8);
    CRC32C crc = new CRC32C();
    crc.update(json);
    byte[] prefix = String.format(Locale.ROOT, "%d %08x ", json.length, crc.getValue()).getBytes(StandardCharsets.US_ASCII);
    byte[] line = new byte[prefix.length + json.length + 1];
    System.arraycopy(prefix, 0, line, 0, prefix.length);
    System.arraycopy(json, 0, line, prefix.length, json.length);
    line[line.length - 1] = '\n';
    return line;
  }

  /** Returns once everything up to {@code position} is on disk. */
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
  static long replay(Path dir, long after, RunConfig config, Consumer<JsonObject> apply) throws IOException {
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
        JsonObject rec = unframe(file, line, pos, all, nl);
        if (line == 1) {
          checkHeader(file, rec, segs.get(s), config);
        } else {
          long seq;
          try {
            seq = rec.get("seq").getAsLong();
          } catch (RuntimeException e) {
            throw damaged(file, line, pos, "the record has no sequence number");
          }
          if (seq > after) {
            if (seq != last + 1) {
              throw damaged(file, line, pos, "sequence " + seq + " follows " + last);
            }
            try {
              apply.accept(rec);
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

  private static JsonObject unframe(Path file, int line, int pos, byte[] all, int nl) throws IOException {
    String head = new String(all, pos, Math.min(20, nl - pos), StandardCharsets.US_ASCII);
    Matcher m = FRAME.matcher(head);
    if (!m.lookingAt()) {
      throw damaged(file, line, pos, "the line does not start with <length> <crc32c>");
    }
    int start = pos + m.end();
    long length = Long.parseLong(m.group(1));
    if (start + length != nl) {
      throw damaged(file, line, pos, "the record holds " + (nl - start) + " bytes, its frame says " + length);
    }
    CRC32C crc = new CRC32C();
    crc.update(all, start, (int) length);
    if (crc.getValue() != Long.parseLong(m.group(2), 16)) {
      throw damaged(file, line, pos, "checksum mismatch");
    }
    try {
      JsonElement e = JsonParser.parseString(new String(all, start, (int) length, StandardCharsets.UTF_8));
      return e.getAsJsonObject();
    } catch (RuntimeException e) {
      throw damaged(file, line, pos, "the record is not a JSON object (" + e.getMessage() + ")");
    }
  }

  private static void checkHeader(Path file, JsonObject h, long firstSeq, RunConfig config) throws IOException {
    RunConfig stored;
    try {
      if (!"segment".equals(h.get("type").getAsString()) || h.get("format").getAsInt() != FORMAT
          || h.get("firstSeq").getAsLong() != firstSeq) {
        throw new IllegalStateException("not the header of segment " + firstSeq + " in format " + FORMAT);
      }
      stored = RunConfig.fromJson(h.getAsJsonObject("config"));
    } catch (RuntimeException e) {
      throw damaged(file, 1, 0, "the segment header is not valid (" + e.getMessage() + ")");
    }
    List<String> diff = config.differencesFrom(stored);
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

  @Override
  public synchronized void close() throws IOException {
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
