# 一.楔子: a.py wants to pass something to b.py. The tutorial's first answer:
# 把a.py想要传递的内容写到文件中, 然后b.py从这个文件中读取内容 (write it to a file,
# and let b.py read the file). Not a program of the tutorial: a copy of its idea,
# the twin of examples/a.rs, so either side can be Python.
# Usage: python3 a.py [FILE]   (default message.txt, in the current directory)
import sys

path = sys.argv[1] if len(sys.argv) > 1 else 'message.txt'
msg = '你好, b! 我是 a.'
with open(path, 'w', encoding='utf-8') as f:  # 把a.py想要传递的内容写到文件中
    f.write(msg)
print('wrote to %s: %s' % (path, msg))
