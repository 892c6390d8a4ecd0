# 一.楔子: b.py reads what a.py left in the file (然后b.py从这个文件中读取内容).
# Not a program of the tutorial: a copy of its idea, the twin of examples/b.rs.
# Usage: python3 b.py [FILE]   (default message.txt, in the current directory)
import sys

path = sys.argv[1] if len(sys.argv) > 1 else 'message.txt'
with open(path, encoding='utf-8') as f:  # b.py从这个文件中读取内容
    msg = f.read()
print('read from %s: %s' % (path, msg))
