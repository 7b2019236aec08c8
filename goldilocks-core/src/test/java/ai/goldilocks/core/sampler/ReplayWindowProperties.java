package ai.goldilocks.core.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.goldilocks.core.spi.TrainingExamples;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The replay window against a plain list model: a bounded FIFO that evicts its oldest sample. */
class ReplayWindowProperties {
  private record Sample(int q, double y, double p, int g) {}

  private static Sample sample(int code) {
    return new Sample(code % 97, (code % 11) / 22.0, (code % 13) / 12.0, 2 + code % 7);
  }

  private static List<Sample> contents(ReplayWindow w) {
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < w.size(); i++) {
      out.add(new Sample(w.question(i), w.utility(i), w.successRate(i), w.groupSize(i)));
    }
    return out;
  }

  /**
   * Operations by code: 0-5 add one sample, 6 adds a batch of three through {@code addAll}, 7
   * clears; after each the window holds the model's newest {@code capacity} samples, oldest first.
   */
  @Property(tries = 200)
  void holdsTheNewestSamplesOldestFirst(@ForAll @IntRange(min = 1, max = 9) int capacity,
      @ForAll @Size(max = 60) List<@IntRange(min = 0, max = 1000) Integer> ops) {
    ReplayWindow w = new ReplayWindow(capacity);
    Deque<Sample> model = new ArrayDeque<>();
    for (int code : ops) {
      int op = code % 8;
      List<Sample> added = new ArrayList<>();
      if (op < 6) {
        added.add(sample(code));
      } else if (op == 6) {
        ReplayWindow batch = new ReplayWindow(3);
        for (int k = 0; k < 3; k++) {
          Sample s = sample(code + k);
          batch.add(s.q, s.y, s.p, s.g);
          added.add(s);
        }
        w.addAll(batch);
      } else {
        w.clear();
        model.clear();
      }
      for (Sample s : added) {
        if (op < 6) {
          w.add(s.q, s.y, s.p, s.g);
        }
        model.addLast(s);
        if (model.size() > capacity) {
          model.removeFirst();
        }
      }
      assertEquals(new ArrayList<>(model), contents(w));
      assertEquals(model.size() == capacity, w.isFull());
    }
  }

  /** Examples, question list and the written form all carry the samples in window order. */
  @Property(tries = 100)
  void examplesAndStateKeepTheOrder(@ForAll @IntRange(min = 1, max = 9) int capacity,
      @ForAll @Size(max = 30) List<@IntRange(min = 0, max = 1000) Integer> codes) throws IOException {
    ReplayWindow w = new ReplayWindow(capacity);
    for (int c : codes) {
      Sample s = sample(c);
      w.add(s.q, s.y, s.p, s.g);
    }
    List<Sample> expected = contents(w);
    TrainingExamples ex = w.toExamples(w.size());
    int[] questions = w.questions();
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).q, ex.question(i));
      assertEquals(expected.get(i).q, questions[i]);
      assertEquals(expected.get(i).y, ex.utility(i));
      assertEquals(expected.get(i).p, ex.successRate(i));
      assertEquals(expected.get(i).g, ex.groupSize(i));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    w.write(new DataOutputStream(bytes));
    ReplayWindow back = ReplayWindow.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), capacity,
        capacity, 97, "window");
    assertEquals(expected, contents(back));
    ReplayWindow copy = new ReplayWindow(capacity);
    copy.add(1, 0.1, 0.1, 2);
    copy.copyFrom(w);
    assertEquals(expected, contents(copy));
    assertArrayEquals(questions, copy.questions());
  }

  @Test
  void corruptSamplesAreRefusedNamingTheValue() throws IOException {
    ReplayWindow w = new ReplayWindow(2);
    w.add(5, 0.25, 0.5, 4);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    w.write(new DataOutputStream(bytes));
    byte[] ok = bytes.toByteArray();
    IOException pool = assertThrows(IOException.class,
        () -> ReplayWindow.read(new DataInputStream(new ByteArrayInputStream(ok)), 2, 2, 5, "window"));
    assertEquals("corrupt sampler state: question index 5 outside the pool of 5", pool.getMessage());
    IOException count = assertThrows(IOException.class,
        () -> ReplayWindow.read(new DataInputStream(new ByteArrayInputStream(ok)), 2, 0, 10, "pending batch"));
    assertEquals("corrupt sampler state: pending batch of 1 samples (at most 0)", count.getMessage());
    assertThrows(IndexOutOfBoundsException.class, () -> w.question(1));
  }
}
