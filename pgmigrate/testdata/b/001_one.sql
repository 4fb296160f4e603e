CREATE TABLE pgmigrate_b (id int PRIMARY KEY REFERENCES pgmigrate_a);
---- create above / drop below ----
DROP TABLE pgmigrate_b;
