package ai.goldilocks.core.predictor;

/**
 * The two longest runs of digits in a text: where each starts and how long it is (start -1, length
 * 0 when absent). A tie keeps the run that came first; a longer run later pushes the longest to
 * second place. Shared by {@link TextFeatures} (its column statistics) and {@link SparseText} (its
 * digit pairs), so both read the same two numbers.
 */
record LongestNumbers(int firstStart, int firstLen, int secondStart, int secondLen) {

  static LongestNumbers of(String text) {
    int firstStart = -1;
    int firstLen = 0;
    int secondStart = -1;
    int secondLen = 0;
    int run = 0;
    int len = text.length();
    for (int i = 0; i <= len; i++) {
      char ch = i < len ? text.charAt(i) : ' ';
      if (ch >= '0' && ch <= '9') {
        run++;
      } else if (run > 0) {
        if (run > firstLen) {
          secondStart = firstStart;
          secondLen = firstLen;
          firstStart = i - run;
          firstLen = run;
        } else if (run > secondLen) {
          secondStart = i - run;
          secondLen = run;
        }
        run = 0;
      }
    }
    return new LongestNumbers(firstStart, firstLen, secondStart, secondLen);
  }
}
