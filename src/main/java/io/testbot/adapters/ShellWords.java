package io.testbot.adapters;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Quoting for commands shown to people, so that a copied line runs as shown in a POSIX shell. */
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
}
