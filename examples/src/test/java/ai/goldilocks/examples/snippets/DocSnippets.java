package ai.goldilocks.examples.snippets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks the Java blocks of the Markdown docs against marked regions of compiled sources.
 *
 * <p>A source marks a region with a line {@code // snippet:start NAME} and a line {@code //
 * snippet:end}; regions of one name in one file are joined in file order (so the imports and the
 * code that uses them can be one snippet), each region with its common indentation removed. A doc
 * tags a fenced {@code java} block with {@code <!-- snippet: FILE#NAME -->} on the last non-blank
 * line before the fence, FILE relative to the examples' source root
 * ({@code examples/src/main/java/ai/goldilocks/examples/}); a block that is not meant to compile is
 * tagged {@code <!-- pseudo-code: REASON -->} with a reason.
 */
final class DocSnippets {
  /** The examples' source root, relative to the repository root. */
  static final String SOURCE_ROOT = "examples/src/main/java/ai/goldilocks/examples";

  private static final Pattern START = Pattern.compile("^\\s*// snippet:start\\s+(\\S+)\\s*$");
  private static final Pattern END = Pattern.compile("^\\s*// snippet:end\\s*$");
  private static final Pattern ANY_MARKER = Pattern.compile("//\\s*snippet:");
  private static final Pattern SNIPPET_TAG = Pattern.compile("^<!--\\s*snippet:\\s*(\\S+)#(\\S+)\\s*-->$");
  private static final Pattern PSEUDO_TAG = Pattern.compile("^<!--\\s*pseudo-code:(.*)-->$");
  private static final Pattern FENCE = Pattern.compile("^\\s*(```+|~~~+)\\s*([A-Za-z0-9_+-]*).*$");

  private DocSnippets() {}

  /** One fenced Java block of a doc: where it starts, the tag line before it, its lines. */
  record Block(String doc, int line, String tag, List<String> lines) {}

  /**
   * The regions of one source file by name.
   *
   * @throws IllegalArgumentException naming the file and line of an unbalanced or malformed marker
   */
  static Map<String, List<String>> regions(String file, String source) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    String open = null;
    int openLine = 0;
    List<String> current = null;
    String[] lines = source.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String l = stripEnd(lines[i]);
      Matcher s = START.matcher(l);
      if (s.matches()) {
        if (open != null) {
          throw new IllegalArgumentException(file + ":" + (i + 1) + ": snippet '" + s.group(1) + "' starts inside snippet '" + open
              + "' (opened at line " + openLine + ")");
        }
        open = s.group(1);
        openLine = i + 1;
        current = new ArrayList<>();
      } else if (END.matcher(l).matches()) {
        if (open == null) {
          throw new IllegalArgumentException(file + ":" + (i + 1) + ": snippet:end without a snippet:start");
        }
        out.computeIfAbsent(open, k -> new ArrayList<>()).addAll(dedent(current));
        open = null;
        current = null;
      } else if (ANY_MARKER.matcher(l).find()) {
        throw new IllegalArgumentException(file + ":" + (i + 1) + ": malformed snippet marker: " + l.strip());
      } else if (current != null) {
        current.add(l);
      }
    }
    if (open != null) {
      throw new IllegalArgumentException(file + ":" + openLine + ": snippet '" + open + "' is never closed (snippet:end)");
    }
    return out;
  }

  /** Every fenced Java block of a Markdown text, with the tag line before it (or null). */
  static List<Block> javaBlocks(String doc, String text) {
    List<Block> out = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher f = FENCE.matcher(lines[i]);
      if (!f.matches()) {
        continue;
      }
      String fence = f.group(1);
      int close = i + 1;
      while (close < lines.length && !lines[close].strip().startsWith(fence)) {
        close++;
      }
      if (f.group(2).equalsIgnoreCase("java")) {
        String tag = null;
        for (int j = i - 1; j >= 0; j--) {
          if (!lines[j].isBlank()) {
            tag = lines[j].strip();
            break;
          }
        }
        List<String> body = new ArrayList<>();
        for (int j = i + 1; j < Math.min(close, lines.length); j++) {
          body.add(lines[j]);
        }
        out.add(new Block(doc, i + 1, tag, dedent(body)));
      }
      i = close;
    }
    return out;
  }

  /**
   * The problems of one doc's Java blocks: untagged blocks, pseudo-code without a reason, unknown
   * files or regions, and blocks that differ from their region (naming the first differing line).
   *
   * @param sources the regions of a source file by its path relative to {@link #SOURCE_ROOT}
   * @param cited collects every "FILE#NAME" the doc cites
   */
  static List<String> check(String doc, String text, Function<String, Map<String, List<String>>> sources, List<String> cited) {
    List<String> problems = new ArrayList<>();
    for (Block b : javaBlocks(doc, text)) {
      String where = doc + ":" + b.line();
      if (b.tag() == null) {
        problems.add(where + ": a java block without a tag: put <!-- snippet: FILE#NAME --> (a region of a source under "
            + SOURCE_ROOT + ") or <!-- pseudo-code: REASON --> on the line before it");
        continue;
      }
      Matcher p = PSEUDO_TAG.matcher(b.tag());
      if (p.matches()) {
        if (p.group(1).isBlank()) {
          problems.add(where + ": pseudo-code without a reason");
        }
        continue;
      }
      Matcher t = SNIPPET_TAG.matcher(b.tag());
      if (!t.matches()) {
        problems.add(where + ": a java block without a tag (the line before it is \"" + b.tag()
            + "\"): put <!-- snippet: FILE#NAME --> or <!-- pseudo-code: REASON --> before it");
        continue;
      }
      String file = t.group(1);
      String name = t.group(2);
      cited.add(file + "#" + name);
      Map<String, List<String>> regions = sources.apply(file);
      if (regions == null) {
        problems.add(where + ": cites " + file + ", which is not a file under " + SOURCE_ROOT);
        continue;
      }
      List<String> region = regions.get(name);
      if (region == null) {
        problems.add(where + ": " + file + " has no snippet '" + name + "' (it has " + regions.keySet() + ")");
        continue;
      }
      String diff = firstDifference(b.lines(), region);
      if (diff != null) {
        problems.add(where + ": the block differs from " + file + "#" + name + ": " + diff);
      }
    }
    return problems;
  }

  /** Null when equal, else where the doc's lines first differ from the source's. */
  static String firstDifference(List<String> doc, List<String> source) {
    int n = Math.min(doc.size(), source.size());
    for (int i = 0; i < n; i++) {
      if (!doc.get(i).equals(source.get(i))) {
        return "block line " + (i + 1) + " is \"" + doc.get(i).strip() + "\" in the doc and \"" + source.get(i).strip() + "\" in the source";
      }
    }
    if (doc.size() < source.size()) {
      return "the doc's block ends after " + n + " lines; the source goes on with \"" + source.get(n).strip() + "\"";
    }
    if (doc.size() > source.size()) {
      return "the source's region ends after " + n + " lines; the doc goes on with \"" + doc.get(n).strip() + "\"";
    }
    return null;
  }

  /** Lines without trailing blanks and without their common indentation (blank lines ignored). */
  static List<String> dedent(List<String> lines) {
    int indent = Integer.MAX_VALUE;
    for (String l : lines) {
      if (!l.isBlank()) {
        int k = 0;
        while (k < l.length() && l.charAt(k) == ' ') {
          k++;
        }
        indent = Math.min(indent, k);
      }
    }
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      String s = stripEnd(l);
      out.add(s.isEmpty() ? s : s.substring(indent));
    }
    return out;
  }

  private static String stripEnd(String s) {
    return s.stripTrailing();
  }

  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("^#+ (.*)$", Pattern.MULTILINE);

  /** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
  static String anchor(String heading) {
    return heading.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("[^\\p{L}\\p{N}_\\- ]", "").replace(' ', '-');
  }

  /**
   * The relative links of one doc that lead nowhere: a file that does not exist, or an anchor that
   * no heading of the target page has.
   */
  static List<String> brokenLinks(Path root, Path doc, String text) throws IOException {
    List<String> out = new ArrayList<>();
    Matcher m = LINK.matcher(text);
    while (m.find()) {
      String target = m.group(1);
      if (target.matches("^[a-z]+:.*")) {
        continue; // http:, https:, mailto:
      }
      int hash = target.indexOf('#');
      String file = hash < 0 ? target : target.substring(0, hash);
      Path p = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
      String where = root.relativize(doc) + ":" + (text.substring(0, m.start()).split("\n", -1).length);
      if (!Files.exists(p)) {
        out.add(where + ": link to " + target + ": no such file");
      } else if (hash >= 0 && p.toString().endsWith(".md")) {
        String a = target.substring(hash + 1);
        Matcher h = HEADING.matcher(Files.readString(p));
        boolean found = false;
        while (h.find() && !found) {
          found = anchor(h.group(1)).equals(a);
        }
        if (!found) {
          out.add(where + ": link to " + target + ": no heading with the anchor #" + a);
        }
      }
    }
    return out;
  }

  /** The repository's Markdown files (build outputs, virtual environments and results left out). */
  static List<Path> markdownFiles(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.toString().endsWith(".md") && Files.isRegularFile(p))
          .filter(p -> {
            for (Path part : root.relativize(p)) {
              String n = part.toString();
              if (n.equals("target") || n.startsWith(".") || n.equals("results") || n.equals("node_modules")) {
                return false;
              }
            }
            return true;
          })
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every source file under the examples' source root that has a snippet marker, by relative path. */
  static Map<String, Map<String, List<String>>> sources(Path root) {
    Path base = root.resolve(SOURCE_ROOT);
    Map<String, Map<String, List<String>>> out = new LinkedHashMap<>();
    try (Stream<Path> s = Files.walk(base)) {
      for (Path p : s.filter(x -> x.toString().endsWith(".java")).sorted().toList()) {
        String text = Files.readString(p);
        String rel = base.relativize(p).toString().replace('\\', '/');
        out.put(rel, regions(rel, text));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
