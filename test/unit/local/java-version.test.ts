import { describe, expect, it } from 'vitest';
import { javaMajorVersion } from '../../../local/dynamodb.ts';

/** `npm start` refuses a Java older than DynamoDB Local needs, read from what `java -version` prints. */
describe('javaMajorVersion', () => {
  it('reads the major version of Java 9 and later', () => {
    expect(javaMajorVersion('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)')).toBe(17);
    expect(javaMajorVersion('openjdk version "21" 2023-09-19')).toBe(21);
    expect(javaMajorVersion('java version "11.0.2" 2019-01-15 LTS')).toBe(11);
  });

  it('reads Java 8 from its 1.8 numbering', () => {
    expect(javaMajorVersion('java version "1.8.0_392"\nJava(TM) SE Runtime Environment (build 1.8.0_392-b08)')).toBe(8);
  });

  it('says nothing when the output names no version', () => {
    expect(javaMajorVersion('Error: could not find libjava.so')).toBeUndefined();
  });
});
