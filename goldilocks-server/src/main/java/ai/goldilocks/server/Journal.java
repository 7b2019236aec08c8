package ai.goldilocks.server;

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
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An append-only journal of JSON lines in segments {@code journal-<first seq>.jsonl}. Records are
 * appended under the caller's lock and made durable by {@link #sync}, which many callers share
 * (group commit): a request is acknowledged only after the fsync that covers its record.
 */
final class Journal implements AutoCloseable {
  private static final Pattern SEGMENT = Pattern.compile("journal-(\\d{12})\\.jsonl");

  private final Path dir;
  private FileChannel channel;
  private long written;
  private volatile long synced;
  private final Object syncLock = new Object();

  private Journal(Path dir) {
    this.dir = dir;
  }

  /** Opens a journal in {@code dir}; {@link #roll} must be called before the first append. */
  static Journal open(Path dir) {
    return new Journal(dir);
  }

  /** Starts a new segment whose first record will have sequence number {@code firstSeq}. */
  synchronized void roll(long firstSeq) throws IOException {
    if (channel != null) {
      sync(written);
      channel.close();
    }
    Path file = dir.resolve(String.format("journal-%012d.jsonl", firstSeq));
    channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    written = channel.size();
    synced = written;
    fsyncDirectory(dir);
  }

  /** Appends one record (a JSON object without newlines); returns the position to {@link #sync} to. */
  synchronized long append(JsonObject record) throws IOException {
    byte[] line = (record.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.wrap(line);
    while (b.hasRemaining()) {
      channel.write(b);
    }
    written += line.length;
    return written;
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
      long end;
      FileChannel c;
      synchronized (this) {
        end = written;
        c = channel;
      }
      c.force(false);
      synced = Math.max(synced, end);
    }
  }

  /** Segment files in {@code dir}, by first sequence number. */
  static List<Long> segments(Path dir) throws IOException {
    List<Long> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Matcher m = SEGMENT.matcher(p.getFileName().toString());
        if (m.matches()) {
          out.add(Long.parseLong(m.group(1)));
        }
      }
    }
    out.sort(null);
    return out;
  }

  static Path segmentFile(Path dir, long firstSeq) {
    return dir.resolve(String.format("journal-%012d.jsonl", firstSeq));
  }

  /**
   * Replays every record with a sequence number above {@code after}, in order. A last line that
   * is incomplete or unreadable (a write cut by a crash, never acknowledged) ends the replay of
   * its segment and is truncated away; an unreadable line before the last one, or a gap in the
   * sequence numbers, is an {@link IOException}. Returns the last sequence number seen.
   */
  static long replay(Path dir, long after, Consumer<JsonObject> apply) throws IOException {
    long last = after;
    List<Long> segs = segments(dir);
    for (int s = 0; s < segs.size(); s++) {
      Path file = segmentFile(dir, segs.get(s));
      String text = Files.readString(file, StandardCharsets.UTF_8);
      boolean endsWithNewline = text.isEmpty() || text.charAt(text.length() - 1) == '\n';
      List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
      if (endsWithNewline) {
        lines.remove(lines.size() - 1); // the empty string after the final newline
      }
      long validBytes = 0;
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        boolean lastLine = i == lines.size() - 1;
        JsonObject rec;
        try {
          if (lastLine && !endsWithNewline) {
            throw new IllegalStateException("no newline");
          }
          rec = JsonParser.parseString(line).getAsJsonObject();
        } catch (RuntimeException e) {
          if (lastLine && s == segs.size() - 1) {
            truncate(file, validBytes);
            break;
          }
          throw new IOException(file + " line " + (i + 1) + " is unreadable: " + e.getMessage());
        }
        validBytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
        long seq = rec.get("seq").getAsLong();
        if (seq <= after) {
          continue;
        }
        if (seq != last + 1) {
          throw new IOException(file + " line " + (i + 1) + ": sequence " + seq + " follows " + last);
        }
        apply.accept(rec);
        last = seq;
      }
    }
    return last;
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
      channel.force(false);
      channel.close();
      channel = null;
    }
  }
}
