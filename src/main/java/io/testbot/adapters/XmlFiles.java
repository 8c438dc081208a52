package io.testbot.adapters;

import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.nio.file.Path;

/** Reading the XML files of other tools (JUnit reports, an effective POM), with no DOCTYPE and so no entities. */
final class XmlFiles {
    private XmlFiles() {}

    /** @param what what the file is, for the message when it cannot be read: "the JUnit report" */
    static Document parse(Path xml, String what) throws IOException {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(xml.toFile());
        } catch (ParserConfigurationException | org.xml.sax.SAXException e) {
            throw new IOException("cannot read " + what + " " + xml.getFileName() + ": " + e.getMessage(), e);
        }
    }
}
