// bcrypt hashes for internal_users.yml in one JVM (compose/opensearch-secure.sh runs it with
// java's single-file source launcher and the Bouncy Castle jar shipped with the Security plugin).
// stdin: "NAME PASSWORD" per line; stdout: "NAME HASH" per line.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

public class BcryptHash {
    public static void main(String[] args) throws Exception {
        SecureRandom random = new SecureRandom();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            int sp = line.indexOf(' ');
            if (sp <= 0) continue;
            byte[] salt = new byte[16];
            random.nextBytes(salt);
            String hash = OpenBSDBCrypt.generate("2y", line.substring(sp + 1).toCharArray(), salt, 12);
            System.out.println(line.substring(0, sp) + " " + hash);
        }
    }
}
