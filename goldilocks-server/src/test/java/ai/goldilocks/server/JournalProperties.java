package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The journal's two promises on restart, for any records: a record cut short at its end was never
 * acknowledged and is dropped (with every earlier record replayed); any single changed byte in a
 * complete record is found, never replayed as something else.
 */
class JournalProperties {
  private static final RunConfig CONFIG = new RunConfig("00ff", 4, 16, 0.1, 3, "features-mlp", 0, 1);

  /** Writes {@code count} records (sequence 1..count) into a fresh directory; returns it. */
  private static Path write(int count, long seed) throws IOException {
    Path dir = Files.createTempDirectory("journal-prop");
    try (Journal j = Journal.open(dir, Disk.REAL, CONFIG)) {
      j.roll(1);
      java.util.Random r = new java.util.Random(seed);
      for (int i = 1; i <= count; i++) {
        JsonObject rec = new JsonObject();
        rec.addProperty("seq", i);
        rec.addProperty("type", "picks");
        rec.addProperty("step", i - 1);
        JsonArray ids = new JsonArray();
        for (int k = 0, n = 1 + r.nextInt(5); k < n; k++) {
          ids.add("q" + r.nextInt(100_000) + (r.nextBoolean() ? "é" : ""));
        }
        rec.add("ids", ids);
        j.append(rec);
      }
    }
    return dir;
  }

  private static List<Long> replay(Path dir) throws IOException {
    List<Long> seen = new ArrayList<>();
    Journal.replay(dir, 0, CONFIG, rec -> seen.add(rec.get("seq").getAsLong()));
    return seen;
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  @Property(tries = 50)
  void aRecordCutAnywhereInsideIsDroppedAndEverythingBeforeItReplayed(@ForAll @IntRange(min = 1, max = 12) int count,
      @ForAll long seed, @ForAll @IntRange(min = 0, max = 10_000) int where) throws IOException {
    Path dir = write(count, seed);
    try {
      Path seg = Journal.segmentFile(dir, 1);
      byte[] all = Files.readAllBytes(seg);
      int lastStart = all.length - 2;
      while (all[lastStart] != '\n') {
        lastStart--;
      }
      lastStart++;
      int cut = lastStart + where % (all.length - lastStart); // [start of the last record, its newline)
      Files.write(seg, java.util.Arrays.copyOf(all, cut));
      List<Long> seen = replay(dir);
      assertEquals(count - 1, seen.size());
      for (int i = 0; i < seen.size(); i++) {
        assertEquals(i + 1, seen.get(i));
      }
      assertEquals(lastStart, Files.size(seg), "cut back to the last whole record");
      assertEquals(count - 1, replay(dir).size(), "a second restart sees the same");
    } finally {
      delete(dir);
    }
  }

  @Property(tries = 50)
  void anyChangedByteInACompleteRecordStopsTheReplay(@ForAll @IntRange(min = 1, max = 12) int count, @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 1_000_000) int where, @ForAll @IntRange(min = 1, max = 255) int flip)
      throws IOException {
    Path dir = write(count, seed);
    try {
      Path seg = Journal.segmentFile(dir, 1);
      byte[] all = Files.readAllBytes(seg);
      int at = where % all.length;
      all[at] ^= (byte) flip;
      Files.write(seg, all);
      if (at == all.length - 1) {
        // the last newline changed: the last record is now incomplete, which a crash can also leave
        assertEquals(count, replay(dir).size() + 1);
      } else {
        IOException e = assertThrows(IOException.class, () -> replay(dir));
        assertTrue(e.getMessage().contains(seg.toString()) && e.getMessage().contains(" line ")
            && e.getMessage().contains("damaged"), e.getMessage());
      }
    } finally {
      delete(dir);
    }
  }
}
