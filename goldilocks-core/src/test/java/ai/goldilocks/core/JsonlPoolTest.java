package ai.goldilocks.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.constraints.UniqueElements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlPoolTest {

  private static Path write(Path dir, String... lines) throws IOException {
    Path f = dir.resolve("pool.jsonl");
    Files.write(f, List.of(lines), StandardCharsets.UTF_8);
    return f;
  }

  @Test
  void readsIdsAndTextsInOrderIgnoringOtherFields(@TempDir Path dir) throws IOException {
    Path f = write(dir, "{\"id\": \"a\", \"text\": \"What is 2+2?\", \"meta\": {\"x\": [1, 2.5e3, null, true]}}", "",
        " {\"text\":\"Say \\\"hi\\\"\\n\\u00e9\\ud83d\\ude00\",\"id\":17} ");
    JsonlPool.Result r = JsonlPool.read(f, false);
    assertEquals(2, r.pool().size());
    assertEquals("a", r.pool().id(0));
    assertEquals("What is 2+2?", r.pool().text(0));
    assertEquals("17", r.pool().id(1), "a number id is its literal text");
    assertEquals("Say \"hi\"\né\uD83D\uDE00", r.pool().text(1));
    assertEquals(0, r.skipped());
    assertTrue(JsonlPool.looksLikeIdText(f));
  }

  @Test
  void aMalformedRowIsAnErrorNamingFileLineAndProblemOrIsSkippedAndCounted(@TempDir Path dir) throws IOException {
    Path f = write(dir, "{\"id\": \"a\", \"text\": \"one\"}", "{\"id\": \"b\", \"text\": 3}", "{\"id\": \"a\", \"text\": \"two\"}",
        "{\"id\": \"c\", \"text\": \"three\"", "[1, 2]", "{\"id\": \"d\", \"text\": \"four\"} x", "{\"id\": \"e\", \"text\": \"five\"}");
    IOException e = assertThrows(IOException.class, () -> JsonlPool.read(f, false));
    assertTrue(e.getMessage().contains(f + ":2: \"text\" must be a string"), e.getMessage());
    JsonlPool.Result r = JsonlPool.read(f, true);
    assertEquals(List.of("a", "e"), List.of(r.pool().id(0), r.pool().id(1)));
    assertEquals(5, r.skipped());
    List<String> p = r.problems();
    assertEquals(5, p.size());
    assertTrue(p.get(1).startsWith(f + ":3: duplicate id 'a' (first on line 1)"), p.get(1));
    assertTrue(p.get(2).startsWith(f + ":4: not a JSON object"), p.get(2));
    assertTrue(p.get(3).startsWith(f + ":5: not a JSON object: expected '{'"), p.get(3));
    assertTrue(p.get(4).contains("more after the object"), p.get(4));
  }

  @Test
  void aFileWithoutAUsableRowIsAnError(@TempDir Path dir) throws IOException {
    Path f = write(dir, "{\"problem\": \"x\"}", "not json");
    IOException e = assertThrows(IOException.class, () -> JsonlPool.read(f, true));
    assertTrue(e.getMessage().contains("no usable row in " + f) && e.getMessage().contains(":1: no \"id\""), e.getMessage());
    assertFalse(JsonlPool.looksLikeIdText(f), "rows without text are another layout");
    Path empty = write(dir);
    assertTrue(assertThrows(IOException.class, () -> JsonlPool.read(empty, true)).getMessage().contains("empty"));
  }

  /** JSON text of {@code s} with every character outside printable ASCII escaped. */
  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c >= 0x20 && c < 0x7f) {
        b.append(c);
      } else {
        b.append(String.format("\\u%04x", (int) c));
      }
    }
    return b.append('"').toString();
  }

  @Property(tries = 60)
  void anyIdsAndTextsReadBackAsWritten(@ForAll @Size(min = 1, max = 8) @UniqueElements List<@StringLength(min = 1, max = 12) String> ids,
      @ForAll @StringLength(max = 40) String text) throws IOException {
    Assume.that((String.join("", ids) + text).chars().noneMatch(c -> Character.isSurrogate((char) c))); // Question refuses lone ones
    Path dir = Files.createTempDirectory("jsonl-pool");
    try {
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        lines.add("{\"text\": " + quote(text + i) + ", \"id\": " + quote(ids.get(i)) + "}");
      }
      Path f = write(dir, lines.toArray(String[]::new));
      QuestionPool pool = JsonlPool.read(f, false).pool();
      assertEquals(ids.size(), pool.size());
      for (int i = 0; i < ids.size(); i++) {
        assertEquals(ids.get(i), pool.id(i));
        assertEquals(text + i, pool.text(i));
      }
      Files.delete(f);
    } finally {
      Files.delete(dir);
    }
  }
}
