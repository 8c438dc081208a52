package io.testbot.adapters;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Quoting for commands shown to people, so that a copied line runs as shown in a POSIX shell; and splitting such a line. */
public final class ShellWords {
    private ShellWords() {}

    /** Brackets are left out: a shell would take "a_spec.rb[1:2]" for a glob; "#" starts a comment only at the start of a word. */
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:=@%+,-][A-Za-z0-9_./:=@%+,#-]*");

    public static String quote(String word) {
        if (!word.isEmpty() && SAFE.matcher(word).matches()) return word;
        return "'" + word.replace("'", "'\\''") + "'";
    }

    public static String join(List<String> words) {
        return words.stream().map(ShellWords::quote).collect(Collectors.joining(" "));
    }

    /**
     * Splits a line into words as a POSIX shell would, for quotes and backslashes ("-Dname='a b'" is one word,
     * -Dname=a b); nothing is expanded.
     */
    public static List<String> split(String line) {
        List<String> words = new java.util.ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') quote = 0;
                else word.append(c);
            } else if (quote == '"') {
                if (c == '"') quote = 0;
                else if (c == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) word.append(line.charAt(++i));
                else word.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) words.add(word.toString());
                word.setLength(0);
                inWord = false;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) words.add(word.toString());
        return words;
    }
}
