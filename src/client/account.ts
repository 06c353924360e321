/** The user flom runs as: login name and home directory, as getpwuid(getuid()) gives them. */
export interface Account {
  login: string;
  home: string | undefined;
}

/**
 * Looks the real uid up in /etc/passwd; accounts that only a name service knows (LDAP, …) are
 * asked of the C library through node:os, which is slower to load and so only the fallback.
 * The login is "nobody" when the account cannot be found, as in the original.
 */
export async function currentAccount(): Promise<Account> {
  const uid = Deno.uid();
  try {
    for (const line of (await Deno.readTextFile("/etc/passwd")).split("\n")) {
      const fields = line.split(":");
      if (fields.length >= 7 && Number(fields[2]) === uid) {
        return { login: fields[0]!, home: fields[5] || undefined };
      }
    }
  } catch {
    // No readable passwd file: ask the C library.
  }
  try {
    const { userInfo } = await import("node:os");
    const info = userInfo();
    return { login: info.username, home: info.homedir };
  } catch {
    return { login: "nobody", home: undefined };
  }
}
