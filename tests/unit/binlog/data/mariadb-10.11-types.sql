-- Workload that wrote mariadb-10.11-types.000001 (MariaDB 10.11.19, Debian 12):
--   mariadbd --log-bin --server-id=7 --binlog-format=ROW --binlog-row-metadata=FULL
-- The oracle beside it is mariadb-binlog --verbose --base64-output=decode-rows.
SET NAMES utf8mb4;
SET time_zone = '+00:00';
SET sql_mode = '';
CREATE DATABASE tm;
USE tm;
CREATE TABLE t_int (
  id INT PRIMARY KEY, y YEAR, ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED,
  mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED,
  f FLOAT, d DOUBLE, fu FLOAT UNSIGNED);
INSERT INTO t_int VALUES
 (1, 1901, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, -3.40282e38, -1.7976931348623157e308, 0),
 (2, 2155, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, 18446744073709551615, 1.17549e-38, 2.2250738585072014e-308, 1.5),
 (3, 0, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, 0.1, 0.1, 3.25),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE t_dec (id INT PRIMARY KEY, d65 DECIMAL(65,30), d10 DECIMAL(10,0), d55 DECIMAL(5,5),
  d2010 DECIMAL(20,10), d1 DECIMAL(1,0), d184 DECIMAL(18,4), du DECIMAL(9,2) UNSIGNED);
INSERT INTO t_dec VALUES
 (1, 99999999999999999999999999999999999.999999999999999999999999999999, 9999999999, 0.99999, -1234567890.0123456789, 9, -99999999999999.9999, 1234567.89),
 (2, -99999999999999999999999999999999999.999999999999999999999999999999, -9999999999, -0.99999, 0.0000000001, -9, 0, 0),
 (3, 0, 0, 0, -0.0000000001, 0, 1.5, 0.01),
 (4, 1.000000000000000000000000000001, 1, 0.00001, 123.456, 1, -0.0001, 9999999.99);
CREATE TABLE t_time (id INT PRIMARY KEY, dt DATE, tm TIME, tm6 TIME(6), tm1 TIME(1), tm3 TIME(3),
  dtm DATETIME, dtm6 DATETIME(6), dtm2 DATETIME(2), ts TIMESTAMP NULL, ts3 TIMESTAMP(3) NULL, ts6 TIMESTAMP(6) NULL, yr YEAR);
INSERT INTO t_time VALUES
 (1, '1000-01-01', '-838:59:59', '-838:59:59.000000', '-00:00:00.5', '-12:34:56.789', '1000-01-01 00:00:00', '1000-01-01 00:00:00.000001', '2000-02-29 12:00:00.99', '1970-01-01 00:00:01', '2038-01-19 03:14:07.999', '2001-02-03 04:05:06.123456', 2000),
 (2, '9999-12-31', '838:59:59', '838:59:59.000000', '00:00:00.1', '-00:00:00.001', '9999-12-31 23:59:59', '9999-12-31 23:59:59.999999', '2024-01-01 00:00:00.01', '2038-01-19 03:14:07', '1970-01-01 00:00:01.000', '2020-06-15 10:20:30.000001', 1901),
 (3, '0000-00-00', '00:00:00', '-00:00:01.000001', '-01:00:00.9', '00:00:00.000', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000000', '2024-02-29 23:59:59.50', '0000-00-00 00:00:00', NULL, NULL, 0),
 (4, '2024-02-29', '-00:00:01', '12:34:56.654321', '23:59:59.9', '100:00:00.5', '2024-02-29 23:59:59', '2024-02-29 23:59:59.500000', NULL, NULL, NULL, NULL, NULL);
CREATE TABLE t_str (id INT PRIMARY KEY,
  c10 CHAR(10) CHARACTER SET latin1, vc VARCHAR(300) CHARACTER SET utf8mb4, c255 CHAR(255) CHARACTER SET utf8mb4,
  vshort VARCHAR(20) CHARACTER SET utf8mb4, b4 BINARY(4), vb VARBINARY(10), ttx TINYTEXT, tx TEXT, mtx MEDIUMTEXT, ltx LONGTEXT,
  tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB,
  e ENUM('a','b','c'), s SET('a','b','c','d','e','f','g','h','i'), b1 BIT(1), b64 BIT(64), b9 BIT(9));
INSERT INTO t_str VALUES
 (1, 'caf\xe9', REPEAT('ä', 300), CONCAT(REPEAT('😀', 254), 'x'), '😀 4-byte', x'00FF0010', x'000000', 'tiny', 'text', 'medium', 'long',
  x'00', x'0102', x'FF', x'00FF00', 'c', 'a,i', b'1', b'1111111111111111111111111111111111111111111111111111111111111111', b'100000001'),
 (2, '', '', '', '', x'00000000', '', '', '', '', '', '', '', '', '', 'a', '', b'0', b'0', b'0'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, 'a''b\\c', 'line1\nline2\ttab\r', 'quote '' and \\', 'x', 'ab', 'a\0b', 'é', 'ü', 'ß', '€', x'5c27', x'0a0d', x'1a', x'7f80', 'b', 'a,b,c,d,e,f,g,h,i', b'0', b'1000000000000000000000000000000000000000000000000000000000000000', b'111111111');
CREATE TABLE t_maria (id INT PRIMARY KEY, ip4 INET4, ip6 INET6, u UUID, j JSON, g GEOMETRY, p POINT);
INSERT INTO t_maria VALUES
 (1, '127.0.0.1', '::1', '123e4567-e89b-12d3-a456-426655440000', '{"a": [1, 2.5, "x"], "b": null}', ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(-1.5 3e10)')),
 (2, '255.255.255.255', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '00000000-0000-0000-0000-000000000000', '[]', ST_GeomFromText('LINESTRING(0 0, 1 1)'), NULL),
 (3, NULL, NULL, NULL, NULL, NULL, NULL);
UPDATE t_int SET i = i + 1, bu = 7 WHERE id = 3;
DELETE FROM t_dec WHERE id = 4;
UPDATE t_str SET vc = 'changed', b64 = b'101' WHERE id = 2;
SET SESSION binlog_row_image = MINIMAL;
UPDATE t_time SET tm6 = '-01:02:03.456789' WHERE id = 4;
DELETE FROM t_maria WHERE id = 2;
UPDATE t_str SET e = 'a' WHERE id = 1;
SET SESSION binlog_row_image = FULL;
SET GLOBAL log_bin_compress = ON;
SET GLOBAL log_bin_compress_min_len = 10;
INSERT INTO t_str (id, vc, lb) VALUES (10, REPEAT('compressible ', 20), REPEAT(x'00FF', 100));
UPDATE t_str SET vc = REPEAT('z', 200) WHERE id = 10;
DELETE FROM t_str WHERE id = 10;
SET GLOBAL log_bin_compress = OFF;

-- mariadb-10.11-old-temporal.000001 (a separate binlog file) was written by:
--   SET GLOBAL mysql56_temporal_format=OFF;
--   CREATE TABLE oldt.t (id INT PRIMARY KEY, dt DATETIME(6), dt0 DATETIME, tm TIME(3), tm0 TIME,
--                        ts TIMESTAMP(2) NULL, ts0 TIMESTAMP NULL);
--   INSERT INTO oldt.t VALUES (1, '2024-02-29 23:59:59.123456', '2024-01-01 00:00:00', '-838:59:59.999',
--     '12:34:56', '2001-02-03 04:05:06.78', '2001-02-03 04:05:06'), (2, '0000-00-00 00:00:00',
--     '9999-12-31 23:59:59', '-00:00:00.001', '-00:00:01', NULL, NULL);
-- Its table map says DATETIME/TIME/TIMESTAMP without metadata although the
-- values use MariaDB's pre-10.1 fractional layout; mariadb-binlog prints no rows.
