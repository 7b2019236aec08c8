package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

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
        int n = 1 + r.nextInt(5);
        String[] ids = new String[n];
        double[] u = new double[n];
        for (int k = 0; k < n; k++) {
          ids[k] = "q" + r.nextInt(100_000) + (r.nextBoolean() ? "é" : "");
          u[k] = r.nextBoolean() ? Double.NaN : r.nextDouble() / 4;
        }
        j.append(new JournalCodec.PicksEntry(i, new Ledger.Picks(i - 1, ids, u)));
      }
    }
    return dir;
  }

  private static List<Long> replay(Path dir) throws IOException {
    List<Long> seen = new ArrayList<>();
    Journal.replay(dir, 0, CONFIG, rec -> seen.add(((JournalCodec.PicksEntry) rec).seq()));
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

  /** Any record reads back as written: ids with quotes, escapes and any character; rewards; no prediction (NaN). */
  @Property(tries = 100)
  void anyRecordDecodesToWhatWasEncoded(@ForAll @Size(min = 1, max = 6) List<@StringLength(min = 1, max = 10) String> ids,
      @ForAll long seed, @ForAll @IntRange(min = 0, max = 1 << 30) int step) throws Exception {
    Assume.that(String.join("", ids).chars().noneMatch(c -> Character.isSurrogate((char) c)));
    java.util.Random r = new java.util.Random(seed);
    double[] u = new double[ids.size()];
    List<Ledger.Part> parts = new ArrayList<>();
    for (int i = 0; i < u.length; i++) {
      u[i] = r.nextBoolean() ? Double.NaN : r.nextDouble();
      parts.add(new Ledger.Part(ids.get(i), new int[] {i, i + 1}, new double[] {r.nextDouble(), -r.nextDouble() * 1e-9}));
    }
    JournalCodec.Entry picks = new JournalCodec.PicksEntry(7, new Ledger.Picks(step, ids.toArray(String[]::new), u));
    JournalCodec.PicksEntry back = (JournalCodec.PicksEntry) decode(JournalCodec.encode(picks));
    assertEquals(7, back.seq());
    assertEquals(step, back.picks().step());
    assertEquals(ids, back.picks().ids());
    for (int i = 0; i < u.length; i++) {
      assertEquals(Double.doubleToLongBits(u[i]), Double.doubleToLongBits(back.picks().utility(i)), "utility " + i);
    }
    JournalCodec.RewardsEntry rb = (JournalCodec.RewardsEntry) decode(JournalCodec.encode(
        new JournalCodec.RewardsEntry(8, step, parts)));
    assertEquals(8, rb.seq());
    assertEquals(step, rb.step());
    for (int i = 0; i < parts.size(); i++) {
      assertEquals(parts.get(i).id(), rb.parts().get(i).id());
      assertArrayEquals(parts.get(i).rollouts(), rb.parts().get(i).rollouts());
      assertArrayEquals(parts.get(i).rewards(), rb.parts().get(i).rewards());
    }
    JournalCodec.Header h = (JournalCodec.Header) decode(JournalCodec.encode(new JournalCodec.Header(step, CONFIG)));
    assertEquals(new JournalCodec.Header(step, CONFIG), h);
  }

  private static JournalCodec.Entry decode(byte[] line) throws JournalCodec.Damage {
    assertEquals('\n', line[line.length - 1]);
    for (byte b : line) {
      assertTrue(b > 0, "ASCII only");
    }
    return JournalCodec.decode(line, 0, line.length - 1);
  }
}
