package ai.goldilocks.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint files of a state directory, {@code checkpoint-<seq>.bin} ({@link CheckpointCodec}'s
 * bytes): written whole to a {@code .tmp} file, fsynced and renamed, so a file with the final name
 * is always complete; the newest two are kept, with the journal segments the older one still needs.
 */
final class Checkpoints {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
  private static final Pattern NAME = Pattern.compile("checkpoint-(\\d{12})\\.bin");
  private static final int KEEP = 2;

  private final Path dir;
  private final Disk disk;

  Checkpoints(Path dir, Disk disk) {
    this.dir = dir;
    this.disk = disk;
  }

  Path file(long seq) {
    return dir.resolve(String.format(Locale.ROOT, "checkpoint-%012d.bin", seq));
  }

  /** The journal sequences of the checkpoints present, ascending. */
  List<Long> seqs() throws IOException {
    List<Long> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches()) {
          out.add(Long.parseLong(m.group(1)));
        }
      }
    }
    out.sort(null);
    return out;
  }

  /** Removes temporary files of writes a crash or a full disk interrupted: never renamed, so never used. */
  void removeLeftovers() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (name.endsWith(".tmp") && name.startsWith("checkpoint-")) {
          LOG.warn("removing {}: a checkpoint whose writing was interrupted", name);
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * Writes {@code content} as the checkpoint of {@code seq}: whole or not at all (a failure removes
   * the temporary file and leaves every existing file as it was).
   */
  void write(long seq, byte[] content) throws IOException {
    Path file = file(seq);
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    try {
      try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        disk.write(c, ByteBuffer.wrap(content));
        disk.force(c, true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Journal.fsyncDirectory(dir);
  }

  /** Keeps the newest checkpoints and the journal segments the oldest of them still needs. */
  void prune() throws IOException {
    List<Long> cps = seqs();
    for (int i = 0; i < cps.size() - KEEP; i++) {
      Files.deleteIfExists(file(cps.get(i)));
    }
    cps = seqs();
    if (cps.isEmpty()) {
      return;
    }
    long oldest = cps.get(0);
    List<Long> segs = Journal.segments(dir);
    for (int i = 0; i + 1 < segs.size(); i++) {
      // segment i holds sequences [segs[i], segs[i+1]); drop it when the oldest checkpoint covers them all
      if (segs.get(i + 1) <= oldest + 1) {
        Files.deleteIfExists(Journal.segmentFile(dir, segs.get(i)));
      }
    }
  }
}
