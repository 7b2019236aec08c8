package ai.goldilocks.examples.snippets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every Java block of the docs is a region of a compiled source (imports shown), so a snippet that
 * no longer compiles fails the build and one that drifts from its source fails this test.
 */
class DocSnippetsTest {

  private static Path root() {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("docs")) && Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve(DocSnippets.SOURCE_ROOT))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root (docs/, README.md, " + DocSnippets.SOURCE_ROOT + ") above " + dir);
  }

  @Test
  void everyJavaBlockOfTheDocsIsARegionOfACompiledSource() throws Exception {
    Path root = root();
    Map<String, Map<String, List<String>>> sources = DocSnippets.sources(root);
    List<String> problems = new ArrayList<>();
    List<String> cited = new ArrayList<>();
    List<Path> docs = DocSnippets.markdownFiles(root);
    assertTrue(docs.contains(root.resolve("README.md")) && docs.contains(root.resolve("docs/integrating.md")), "docs found: " + docs);
    int blocks = 0;
    for (Path doc : docs) {
      String text = Files.readString(doc);
      String name = root.relativize(doc).toString();
      blocks += DocSnippets.javaBlocks(name, text).size();
      problems.addAll(DocSnippets.check(name, text, sources::get, cited));
    }
    assertTrue(blocks > 0, "no java blocks found");
    assertTrue(problems.isEmpty(), String.join("\n", problems));

    // and every region is shown somewhere: a region no doc cites is a stale snippet
    TreeSet<String> unused = new TreeSet<>();
    sources.forEach((file, regions) -> regions.keySet().forEach(r -> unused.add(file + "#" + r)));
    unused.removeAll(cited);
    assertTrue(unused.isEmpty(), "snippet regions no doc shows: " + unused);
  }

  @Test
  void everyRelativeLinkOfTheDocsLeadsToAFileAndHeading() throws Exception {
    Path root = root();
    List<String> problems = new ArrayList<>();
    for (Path doc : DocSnippets.markdownFiles(root)) {
      problems.addAll(DocSnippets.brokenLinks(root, doc, Files.readString(doc)));
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test
  void brokenLinksAreFound(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("b.md"), "# The sampler's settings (`K`)\n");
    Path a = dir.resolve("a.md");
    String text = "see [b](b.md#the-samplers-settings-k), [c](c.md), [b2](b.md#nowhere), [web](https://x.org/y.md)";
    List<String> p = DocSnippets.brokenLinks(dir, a, text);
    assertEquals(2, p.size(), p.toString());
    assertTrue(p.get(0).contains("c.md: no such file"), p.get(0));
    assertTrue(p.get(1).contains("#nowhere"), p.get(1));
  }

  // ---- the checker itself

  private static final String SOURCE = String.join("\n",
      "package x;",
      "// snippet:start demo",
      "import java.util.List;",
      "",
      "// snippet:end",
      "import java.util.Map;",
      "class A {",
      "  void f() {",
      "    // snippet:start demo",
      "    List<String> l = List.of(\"a\");",
      "    // snippet:end",
      "  }",
      "}");

  private static List<String> check(String doc) {
    return DocSnippets.check("doc.md", doc, f -> f.equals("A.java") ? DocSnippets.regions(f, SOURCE) : null, new ArrayList<>());
  }

  @Test
  void regionsOfOneNameAreJoinedAndDedented() {
    assertEquals(List.of("import java.util.List;", "", "List<String> l = List.of(\"a\");"), DocSnippets.regions("A.java", SOURCE).get("demo"));
  }

  @Test
  void aBlockEqualToItsRegionPasses() {
    assertEquals(List.of(), check("text\n\n<!-- snippet: A.java#demo -->\n```java\nimport java.util.List;\n\nList<String> l = List.of(\"a\");\n```\n"));
  }

  @Test
  void aBlockThatDiffersIsNamedWithItsDocLineAndTheFirstDifferingLine() {
    List<String> p = check("# t\n<!-- snippet: A.java#demo -->\n```java\nimport java.util.List;\n\nList<String> l = List.of(\"b\");\n```\n");
    assertEquals(1, p.size(), p.toString());
    assertTrue(p.get(0).startsWith("doc.md:3: the block differs from A.java#demo: block line 3"), p.get(0));
    assertTrue(p.get(0).contains("List.of(\"b\")") && p.get(0).contains("List.of(\"a\")"), p.get(0));
  }

  @Test
  void aBlockWithoutItsImportsDiffers() {
    List<String> p = check("<!-- snippet: A.java#demo -->\n```java\nList<String> l = List.of(\"a\");\n```\n");
    assertEquals(1, p.size(), p.toString());
    assertTrue(p.get(0).contains("block line 1"), p.get(0));
  }

  @Test
  void aShortenedBlockSaysWhereTheSourceGoesOn() {
    List<String> p = check("<!-- snippet: A.java#demo -->\n```java\nimport java.util.List;\n```\n");
    assertTrue(p.get(0).contains("ends after 1 lines"), p.get(0));
  }

  @Test
  void untaggedBlocksUnknownRegionsAndReasonlessPseudoCodeFail() {
    assertTrue(check("Some text.\n```java\nint x;\n```\n").get(0).startsWith("doc.md:2: a java block without a tag"));
    assertTrue(check("<!-- snippet: A.java#other -->\n```java\nint x;\n```\n").get(0).contains("has no snippet 'other'"));
    assertTrue(check("<!-- snippet: B.java#demo -->\n```java\nint x;\n```\n").get(0).contains("cites B.java"));
    assertTrue(check("<!-- pseudo-code: -->\n```java\nint x;\n```\n").get(0).contains("without a reason"));
    assertEquals(List.of(), check("<!-- pseudo-code: the shape of an interface, not a program -->\n```java\nint x;\n```\n"));
  }

  @Test
  void otherLanguagesAndJavaInsideOtherFencesAreIgnored() {
    assertEquals(List.of(), check("```bash\necho\n```\n````markdown\n```java\nint x;\n```\n````\n"));
  }

  @Test
  void unbalancedMarkersAreErrorsNamingTheLine() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DocSnippets.regions("B.java", "a\n// snippet:start x\nb\n"));
    assertTrue(e.getMessage().startsWith("B.java:2: snippet 'x' is never closed"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> DocSnippets.regions("B.java", "// snippet:end\n"));
    assertTrue(e.getMessage().startsWith("B.java:1:"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> DocSnippets.regions("B.java", "// snippet:start\n"));
    assertTrue(e.getMessage().contains("malformed"), e.getMessage());
    assertFalse(DocSnippets.regions("B.java", "// snippet:start a\n// snippet:end\n").get("a").iterator().hasNext());
  }
}
