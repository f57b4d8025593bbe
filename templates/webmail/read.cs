<?cs # One message: headers, body (text, or the sanitized HTML in a
     sandboxed frame), attachments. ?>
<?cs set:Page.Title = Msg.Subject ?>
<?cs set:Page.Script = "webmail.js" ?>
<?cs set:Page.Nav = "mail" ?>
<?cs include:"header.cs" ?>
<article class="message">
  <nav class="msgnav">
    <a href="<?cs var:Page.Base ?>/mail?f=<?cs var:Msg.FolderEncoded ?>" accesskey="u" id="back"><?cs var:Lang.mail.back ?></a>
<?cs if:Msg.Prev ?>    <a href="<?cs var:Page.Base ?>/mail/read?f=<?cs var:Msg.FolderEncoded ?>&amp;uid=<?cs var:Msg.Prev ?>" id="prev" accesskey="k"><?cs var:Lang.mail.prev ?></a><?cs /if ?>
<?cs if:Msg.Next ?>    <a href="<?cs var:Page.Base ?>/mail/read?f=<?cs var:Msg.FolderEncoded ?>&amp;uid=<?cs var:Msg.Next ?>" id="next" accesskey="j"><?cs var:Lang.mail.next ?></a><?cs /if ?>
    <a href="<?cs var:Page.Base ?>/mail/compose?reply=<?cs var:Msg.Uid ?>&amp;folder=<?cs var:Msg.FolderEncoded ?>" id="reply"><?cs var:Lang.mail.reply ?></a>
    <a href="<?cs var:Page.Base ?>/mail/compose?reply=<?cs var:Msg.Uid ?>&amp;folder=<?cs var:Msg.FolderEncoded ?>&amp;all=1" id="reply-all"><?cs var:Lang.mail.reply_all ?></a>
    <a href="<?cs var:Page.Base ?>/mail/compose?forward=<?cs var:Msg.Uid ?>&amp;folder=<?cs var:Msg.FolderEncoded ?>" id="forward"><?cs var:Lang.mail.forward ?></a>
    <a href="<?cs var:Page.Base ?>/mail/compose?forward=<?cs var:Msg.Uid ?>&amp;folder=<?cs var:Msg.FolderEncoded ?>&amp;as=attachment" id="forward-attachment"><?cs var:Lang.mail.forward_attachment ?></a>
    <button type="button" id="print" hidden><?cs var:Lang.mail.print ?></button>
    <a href="<?cs var:Page.Base ?>/mail/source?f=<?cs var:Msg.FolderEncoded ?>&amp;uid=<?cs var:Msg.Uid ?>" id="source"><?cs var:Lang.mail.source ?></a>
    <a href="<?cs var:Page.Base ?>/mail/source?f=<?cs var:Msg.FolderEncoded ?>&amp;uid=<?cs var:Msg.Uid ?>&amp;download=1" id="eml"><?cs var:Lang.mail.download_eml ?></a>
    <form method="post" action="<?cs var:Page.Base ?>/mail/action" class="inline">
      <input type="hidden" name="_csrf" value="<?cs var:Msg.Csrf ?>">
      <input type="hidden" name="f" value="<?cs var:Msg.Folder ?>">
      <input type="hidden" name="uid" value="<?cs var:Msg.Uid ?>">
      <button name="op" value="unread"><?cs var:Lang.mail.mark_unread_one ?></button>
      <button name="op" value="delete" class="danger"><?cs var:Lang.mail.delete ?></button>
    </form>
    <form method="post" action="<?cs var:Page.Base ?>/mail/sender" class="inline" id="sender-form">
      <input type="hidden" name="_csrf" value="<?cs var:Msg.Csrf ?>">
      <input type="hidden" name="f" value="<?cs var:Msg.Folder ?>">
      <input type="hidden" name="uid" value="<?cs var:Msg.Uid ?>">
      <button name="op" value="contact" id="add-contact"><?cs var:Lang.mail.add_contact ?></button>
      <button name="op" value="block" id="block-sender"><?cs var:Lang.mail.block_sender ?></button>
    </form>
  </nav>
<?cs if:Msg.Done ?>  <p class="notice" id="notice" role="status"><?cs var:Lang.mail["done_" + Msg.Done] ?></p><?cs /if ?>
  <h1 id="subject"><?cs if:Msg.Subject ?><?cs var:Msg.Subject ?><?cs else ?><?cs var:Lang.mail.no_subject ?><?cs /if ?></h1>
  <dl class="headers">
    <dt><?cs var:Lang.mail.from ?></dt><dd id="from"><?cs var:Msg.From ?></dd>
    <dt><?cs var:Lang.mail.to ?></dt><dd id="to"><?cs var:Msg.To ?></dd>
<?cs if:Msg.Cc ?>    <dt><?cs var:Lang.mail.cc ?></dt><dd id="cc"><?cs var:Msg.Cc ?></dd><?cs /if ?>
    <dt><?cs var:Lang.mail.date ?></dt><dd id="date"><?cs var:Msg.Date ?></dd>
  </dl>
<?cs if:Msg.Alternative ?>  <p class="view" id="view-switch"><?cs var:Lang.mail.view_as ?>
    <?cs if:Msg.Plain ?><a href="<?cs var:Page.Base ?>/mail/read?f=<?cs var:Msg.FolderEncoded ?>&amp;uid=<?cs var:Msg.Uid ?>&amp;view=html" id="view-html"><?cs var:Lang.mail.view_html ?></a> <strong aria-current="true"><?cs var:Lang.mail.view_text ?></strong><?cs else ?><strong aria-current="true"><?cs var:Lang.mail.view_html ?></strong> <a href="<?cs var:Page.Base ?>/mail/read?f=<?cs var:Msg.FolderEncoded ?>&amp;uid=<?cs var:Msg.Uid ?>&amp;view=text" id="view-text"><?cs var:Lang.mail.view_text ?></a><?cs /if ?></p>
<?cs /if ?>
<?cs if:Msg.Html ?>
<?cs if:!Msg.Images ?>  <div class="images"><a href="<?cs var:Page.Base ?>/mail/read?f=<?cs var:Msg.FolderEncoded ?>&amp;uid=<?cs var:Msg.Uid ?>&amp;images=1" id="show-images"><?cs var:Lang.mail.show_images ?></a>
<?cs if:Msg.FromOk ?>    <form method="post" action="<?cs var:Page.Base ?>/mail/images" class="inline" id="images-form">
      <input type="hidden" name="_csrf" value="<?cs var:Msg.Csrf ?>">
      <input type="hidden" name="f" value="<?cs var:Msg.Folder ?>">
      <input type="hidden" name="uid" value="<?cs var:Msg.Uid ?>">
      <button id="images-always"><?cs var:Lang.mail.images_always ?></button>
    </form>
<?cs /if ?>  </div>
<?cs elif:Msg.ImagesSender ?>  <p class="images" id="images-sender"><?cs var:Lang.mail.images_sender ?></p>
<?cs /if ?>  <iframe class="body" id="htmlbody" sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" title="<?cs var:Lang.mail.body ?>" src="<?cs var:Page.Base ?>/mail/body?f=<?cs var:Msg.FolderEncoded ?>&amp;uid=<?cs var:Msg.Uid ?><?cs if:Msg.Images ?>&amp;images=1<?cs /if ?>"></iframe>
<?cs else ?>
  <div class="body text" id="textbody"><?cs uvar:Msg.TextHtml ?></div>
<?cs /if ?>
<?cs if:subcount(Msg.Parts) > 0 ?>
  <section class="attachments" aria-label="<?cs var:Lang.mail.attachments ?>">
    <h2><?cs var:Lang.mail.attachments ?></h2>
    <ul>
<?cs each:p = Msg.Parts ?>
      <li><a href="<?cs var:Page.Base ?>/mail/part?f=<?cs var:Msg.FolderEncoded ?>&amp;uid=<?cs var:Msg.Uid ?>&amp;part=<?cs var:p.No ?>"><?cs var:p.Name ?></a> <span class="type"><?cs var:p.Type ?></span> <span class="size"><?cs var:p.Size ?></span></li>
<?cs /each ?>
    </ul>
  </section>
<?cs /if ?>
</article>
<?cs include:"footer.cs" ?>
