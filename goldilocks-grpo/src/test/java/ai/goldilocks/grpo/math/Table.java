package ai.goldilocks.grpo.math;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The gold/prediction pairs of {@code pairs.tsv}: gold, predicted, equal | not-equal, an optional note. */
final class Table {
  /** One line: the note {@code timeout} marks a pair that must stop at the budget. */
  record Pair(String gold, String predicted, boolean equal, String note, String section, int line) {
    boolean timeout() {
      return note.equals("timeout");
    }
  }

  private Table() {}

  static List<Pair> pairs() {
    try (InputStream in = Table.class.getResourceAsStream("pairs.tsv")) {
      if (in == null) {
        throw new IllegalStateException("pairs.tsv is not on the test classpath");
      }
      List<Pair> out = new ArrayList<>();
      String section = "";
      int n = 0;
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)) {
        n++;
        if (line.startsWith("# ")) {
          section = line.substring(2);
          continue;
        }
        if (line.isBlank()) {
          continue;
        }
        String[] f = line.split("\t", -1);
        if (f.length < 3 || !(f[2].equals("equal") || f[2].equals("not-equal"))) {
          throw new IllegalStateException("pairs.tsv line " + n + ": want gold<TAB>predicted<TAB>equal|not-equal, got " + line);
        }
        out.add(new Pair(f[0], f[1], f[2].equals("equal"), f.length > 3 ? f[3] : "", section, n));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
